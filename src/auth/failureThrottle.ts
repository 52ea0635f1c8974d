import type { Redis } from "ioredis";
import { RateLimiterRes } from "rate-limiter-flexible";
import { budgetSpent, minuteLimiter } from "../http/middleware/rateLimit.js";

/**
 * Failed authentications per client address, counted in Redis across processes (in memory when
 * Redis is away). A client that spent its budget is answered 429 before anything is looked up, so
 * guessing keys or the admin token costs neither a database query nor a comparison, and a correct
 * guess inside the blocked minute is refused too.
 */
export type FailureThrottle = {
  /** 429 when the address already failed its budget this minute. */
  assertAllowed(address: string): Promise<void>;
  /** Counts one failure; 429 when it is over the budget, else returns so the caller answers 401. */
  recordFailure(address: string): Promise<void>;
};

export function failureThrottle(options: {
  redis: Redis;
  keyPrefix: string;
  perMinute: number;
}): FailureThrottle {
  const limiter = minuteLimiter(options.redis, options.keyPrefix, options.perMinute);
  return {
    async assertAllowed(address) {
      const state = await limiter.get(address);
      if (state && state.consumedPoints >= options.perMinute) throw budgetSpent(state);
    },
    async recordFailure(address) {
      try {
        await limiter.consume(address);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected;
        throw budgetSpent(rejected);
      }
    },
  };
}
