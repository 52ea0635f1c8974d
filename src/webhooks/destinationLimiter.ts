import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";

/** How many attempts may be in flight to one destination at once, and may start per second. */
export type DestinationLimits = { maxConcurrency: number; ratePerSecond: number };

export type Permit =
  | { granted: true; release(): void }
  | { granted: false; reason: "concurrency" | "rate"; retryAfterMs: number };

/**
 * Both limits of one destination, checked and taken together in one Redis script: one round trip
 * per attempt, and nothing taken unless both allow it.
 *
 * Concurrency is a counting semaphore with leases, a sorted set of holders scored by when their
 * lease lapses. Lapsed leases (a worker killed mid-attempt) are dropped before counting, so a crash
 * frees its slot once the lease runs out; a holder asking again (the same job after a crash)
 * renews its own. The rate is a counter per destination and one-second window (as
 * rate-limiter-flexible's fixed window counts, here in the same script): at most ratePerSecond
 * starts in each window. Redis's own clock times both, so workers' clocks never disagree.
 *
 * Answers {0, 0} when granted; {1, ms} when the concurrency is full (ms until the oldest lease
 * lapses at the latest); {2, ms} when the window's starts are spent (ms until the next window).
 */
const acquireLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseMs = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local holding = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not holding and redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {1, tonumber(oldest[2]) - now}
end
local window = math.floor(now / 1000)
local rateKey = KEYS[2] .. ':' .. window
local started = tonumber(redis.call('GET', rateKey) or '0')
if started >= tonumber(ARGV[4]) then
  return {2, (window + 1) * 1000 - now}
end
redis.call('INCR', rateKey)
redis.call('PEXPIRE', rateKey, 2000)
redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1])
redis.call('PEXPIRE', KEYS[1], leaseMs)
return {0, 0}
`;

type LimiterClient = Redis & {
  webhookAcquire(
    leaseKey: string,
    rateKey: string,
    holder: string,
    maxConcurrency: number,
    leaseMs: number,
    ratePerSecond: number,
  ): Promise<[number, number]>;
};

/**
 * Per-destination concurrency and rate limits shared by every worker process, in Redis. A job that
 * may not run yet is not waited for in a worker slot: the caller puts it back as delayed, so a slow
 * or throttled partner occupies at most its own limit of the queue's slots and the others' jobs go
 * on. Keys are under the hub's prefix (a Cluster hash tag), per destination.
 */
export function destinationLimiter(redis: Redis, keyPrefix: string, logger: Pick<Logger, "warn">) {
  const client = redis as LimiterClient;
  if (typeof client.webhookAcquire !== "function") {
    client.defineCommand("webhookAcquire", { numberOfKeys: 2, lua: acquireLua });
  }
  return {
    /**
     * A slot for `holder` (a job id) for at most `leaseMs`, within the destination's limits. The
     * release is sent at once and not waited for: the slot is free as soon as Redis reads it, and
     * this connection carries it there before anything the worker sends after (its next job's
     * ask). A release that fails (Redis away) is logged; the slot lapses with its lease.
     */
    async acquire(
      destination: string,
      holder: string,
      limits: DestinationLimits,
      leaseMs: number,
    ): Promise<Permit> {
      const leaseKey = `${keyPrefix}:webhook-lease:${destination}`;
      const [verdict, waitMs] = await client.webhookAcquire(
        leaseKey,
        `${keyPrefix}:webhook-rate:${destination}`,
        holder,
        limits.maxConcurrency,
        leaseMs,
        limits.ratePerSecond,
      );
      if (verdict === 1) return { granted: false, reason: "concurrency", retryAfterMs: waitMs };
      if (verdict === 2) return { granted: false, reason: "rate", retryAfterMs: waitMs };
      return {
        granted: true,
        release: () => {
          redis
            .zrem(leaseKey, holder)
            .catch((err: unknown) =>
              logger.warn({ err, destination }, "could not release a webhook destination's slot"),
            );
        },
      };
    },
  };
}

export type DestinationLimiter = ReturnType<typeof destinationLimiter>;
