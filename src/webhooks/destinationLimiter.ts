import type { Redis } from "ioredis";
import { RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";

/** How many attempts may be in flight to one destination at once, and may start per second. */
export type DestinationLimits = { maxConcurrency: number; ratePerSecond: number };

export type Permit =
  | { granted: true; release(): Promise<void> }
  | { granted: false; reason: "concurrency" | "rate"; retryAfterMs: number };

/**
 * A counting semaphore with leases: a sorted set of holders scored by when their lease lapses.
 * Lapsed leases (a worker killed mid-attempt) are dropped before counting, so a crash frees its
 * slot once the lease runs out. Redis's own clock scores them, so workers' clocks never disagree.
 * Answers -1 when the holder got (or already had) a slot, else the milliseconds until the oldest
 * lease lapses at the latest.
 */
const acquireLeaseLua = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseMs = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + leaseMs, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], leaseMs)
  return -1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) - now
`;

type LeaseClient = Redis & {
  webhookLease(key: string, holder: string, limit: number, leaseMs: number): Promise<number>;
};

/**
 * Per-destination concurrency and rate limits shared by every worker process, in Redis. A job that
 * may not run yet is not waited for in a worker slot: the caller puts it back as delayed, so a slow
 * or throttled partner occupies at most its own limit of the queue's slots and the others' jobs go
 * on. The rate is rate-limiter-flexible's fixed one-second window per destination (at most
 * `ratePerSecond` starts in each window), taken only once a concurrency slot is held, and the slot
 * is given back when the rate refuses.
 */
export function destinationLimiter(redis: Redis, keyPrefix: string) {
  const client = redis as LeaseClient;
  if (typeof client.webhookLease !== "function") {
    client.defineCommand("webhookLease", { numberOfKeys: 1, lua: acquireLeaseLua });
  }
  // One limiter per distinct rate: rate-limiter-flexible fixes the points per instance.
  const rateLimiters = new Map<number, RateLimiterRedis>();
  const rateLimiter = (perSecond: number) => {
    let limiter = rateLimiters.get(perSecond);
    if (!limiter) {
      limiter = new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: `${keyPrefix}:webhook-rate:${perSecond}`,
        points: perSecond,
        duration: 1,
      });
      rateLimiters.set(perSecond, limiter);
    }
    return limiter;
  };
  const leaseKey = (destination: string) => `${keyPrefix}:webhook-lease:${destination}`;

  return {
    /**
     * A slot for `holder` (a job id: the same job taking a slot again, after a crash, replaces its
     * old lease) for at most `leaseMs`, within the destination's limits.
     */
    async acquire(
      destination: string,
      holder: string,
      limits: DestinationLimits,
      leaseMs: number,
    ): Promise<Permit> {
      const key = leaseKey(destination);
      const waitMs = await client.webhookLease(key, holder, limits.maxConcurrency, leaseMs);
      if (waitMs >= 0) return { granted: false, reason: "concurrency", retryAfterMs: waitMs };
      const release = async () => void (await redis.zrem(key, holder));
      try {
        await rateLimiter(limits.ratePerSecond).consume(destination);
      } catch (err) {
        await release();
        if (err instanceof RateLimiterRes)
          return { granted: false, reason: "rate", retryAfterMs: err.msBeforeNext };
        throw err;
      }
      return { granted: true, release };
    },
  };
}

export type DestinationLimiter = ReturnType<typeof destinationLimiter>;
