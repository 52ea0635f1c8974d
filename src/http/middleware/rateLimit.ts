import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../../errors.js";
import type { HubEnv } from "../env.js";
import { setResponseHeader } from "../responseHeaders.js";

/**
 * Requests per minute per API key, counted in Redis so every API process shares one budget. When
 * Redis does not answer, each process falls back to counting in memory rather than refusing
 * partners or letting them through unlimited. Answers 429 with Retry-After and tells every caller
 * where it stands through the RateLimit-* headers.
 */
export function rateLimitPerKey(options: {
  redis: Redis;
  prefix: string;
  perMinute: number;
}): MiddlewareHandler<HubEnv> {
  const limiter = new RateLimiterRedis({
    storeClient: options.redis,
    keyPrefix: `${options.prefix}:ratelimit`,
    points: options.perMinute,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points: options.perMinute, duration: 60 }),
  });
  return async function rateLimitPerKey(c, next) {
    const principal = c.get("principal");
    if (!principal) return next();
    let state: RateLimiterRes;
    try {
      state = await limiter.consume(principal.keyId);
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      throw errors.rateLimited(Math.max(1, Math.ceil(rejected.msBeforeNext / 1000)));
    }
    setResponseHeader(c, "RateLimit-Limit", String(options.perMinute));
    setResponseHeader(c, "RateLimit-Remaining", String(state.remainingPoints));
    setResponseHeader(c, "RateLimit-Reset", String(Math.ceil(state.msBeforeNext / 1000)));
    await next();
  };
}
