import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from "rate-limiter-flexible";
import { errors } from "../../errors.js";
import type { HubEnv } from "../env.js";
import { setResponseHeader } from "../responseHeaders.js";

/**
 * A budget of `points` a minute per key under `keyPrefix`, counted in Redis (one round trip per
 * call) and, while Redis does not answer, in this process's memory: the one limiter shape of the hub.
 */
export function minuteLimiter(redis: Redis, keyPrefix: string, points: number): RateLimiterRedis {
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration: 60,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory({ points, duration: 60 }),
  });
}

/** The 429 for a spent budget, with the seconds until it refills. */
export function budgetSpent(state: RateLimiterRes) {
  return errors.rateLimited(Math.max(1, Math.ceil(state.msBeforeNext / 1000)));
}

/** Who a request is counted against, and how many requests a minute it may make. */
export type RateLimitSubject = { id: string; perMinute: number };

/**
 * Requests per minute per subject (an API key, an admin's address), counted in Redis so every API
 * process shares one budget. Subjects may differ in their limit: one limiter per distinct limit,
 * all sharing one key space, so a request still costs one Redis round trip and a key whose limit
 * changes keeps what it already spent this minute. When Redis does not answer, each process falls
 * back to counting in memory rather than refusing partners or letting them through unlimited.
 * Answers 429 with Retry-After and tells every caller where it stands through RateLimit-* headers.
 * A request without a subject (or with a limit of 0) is not counted.
 */
export function rateLimit(options: {
  redis: Redis;
  /** Redis key prefix of this limit's counters. */
  keyPrefix: string;
  subjectOf: (c: Context<HubEnv>) => RateLimitSubject | undefined;
}): MiddlewareHandler<HubEnv> {
  const limiters = new Map<number, RateLimiterRedis>();
  const limiterFor = (points: number): RateLimiterRedis => {
    let limiter = limiters.get(points);
    if (!limiter) {
      limiter = minuteLimiter(options.redis, options.keyPrefix, points);
      limiters.set(points, limiter);
    }
    return limiter;
  };
  return async function rateLimit(c, next) {
    const subject = options.subjectOf(c);
    if (!subject || subject.perMinute <= 0) return next();
    let state: RateLimiterRes;
    try {
      state = await limiterFor(subject.perMinute).consume(subject.id);
    } catch (rejected) {
      if (!(rejected instanceof RateLimiterRes)) throw rejected;
      setResponseHeader(c, "RateLimit-Limit", String(subject.perMinute));
      throw budgetSpent(rejected);
    }
    setResponseHeader(c, "RateLimit-Limit", String(subject.perMinute));
    setResponseHeader(c, "RateLimit-Remaining", String(state.remainingPoints));
    setResponseHeader(c, "RateLimit-Reset", String(Math.ceil(state.msBeforeNext / 1000)));
    await next();
  };
}

/** Each API key's own limit, or the hub's default for keys without one (0 = no limit). */
export function rateLimitPerKey(options: {
  redis: Redis;
  prefix: string;
  defaultPerMinute: number;
}): MiddlewareHandler<HubEnv> {
  return rateLimit({
    redis: options.redis,
    keyPrefix: `${options.prefix}:ratelimit`,
    subjectOf: (c) => {
      const principal = c.get("principal");
      if (!principal) return undefined;
      return { id: principal.keyId, perMinute: principal.rateLimitPerMinute ?? options.defaultPerMinute };
    },
  });
}
