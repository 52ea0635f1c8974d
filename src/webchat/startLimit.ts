import type { Redis } from "ioredis";
import { RateLimiterRes } from "rate-limiter-flexible";
import { minuteLimiter } from "../http/middleware/rateLimit.js";

/**
 * Chats a client address may start a minute, per tenant (WEBCHAT_STARTS_PER_MINUTE). A socket's own
 * frames are limited on the socket (limits.ts), but a start may create a customer, and a client can
 * open many sockets: this counts starts across every socket and API process, in Redis, as the API's
 * per-key limits are counted. Resuming a chat is not a start.
 */
export type ChatStartLimit = {
  take(tenantId: string, address: string): Promise<{ ok: true } | { ok: false; retryAfterSeconds: number }>;
};

export function chatStartLimit(redis: Redis, redisPrefix: string, perMinute: number): ChatStartLimit {
  if (perMinute <= 0) return { take: async () => ({ ok: true }) };
  const limiter = minuteLimiter(redis, `${redisPrefix}:webchat-starts`, perMinute);
  return {
    async take(tenantId, address) {
      try {
        await limiter.consume(`${tenantId}:${address}`);
        return { ok: true };
      } catch (refused) {
        if (!(refused instanceof RateLimiterRes)) throw refused;
        return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(refused.msBeforeNext / 1000)) };
      }
    },
  };
}
