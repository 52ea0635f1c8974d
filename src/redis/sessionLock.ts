import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * A lease in Redis that one process holds at a time, for channel sessions that must be singletons
 * (a Telegram bot's long polling: Telegram answers 409 to a second poller). Taken with SET NX PX,
 * renewed and released only by its holder (a Lua check of the holder's token), so a process that
 * stalled past the lease cannot cut short the lease of the standby that took over.
 */
export type SessionLease = {
  /** Extends the lease; false when it was lost (expired and taken, or Redis lost it). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
};

const renewScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const releaseScript = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

export async function acquireLease(
  redis: Redis,
  key: string,
  ttlMs: number,
): Promise<SessionLease | undefined> {
  const token = randomBytes(16).toString("hex");
  const taken = await redis.set(key, token, "PX", ttlMs, "NX");
  if (taken !== "OK") return undefined;
  return {
    renew: async () => (await redis.eval(renewScript, 1, key, token, String(ttlMs))) === 1,
    release: async () => {
      await redis.eval(releaseScript, 1, key, token);
    },
  };
}
