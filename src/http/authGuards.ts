import type { MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { failureThrottle } from "../auth/failureThrottle.js";
import { type AuthThrottling, adminAuth, apiKeyAuth } from "../auth/middleware.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { Logger } from "../logger.js";
import { clientAddressOf } from "./clientAddress.js";
import type { HubEnv } from "./env.js";
import { rateLimit, rateLimitPerKey } from "./middleware/rateLimit.js";

/**
 * What stands in front of each kind of caller: partners (API key, then its rate limit), operators
 * on the admin API (a limit per client address, then the admin token) and the queue dashboard.
 * Failed authentications of either kind share one budget per client address.
 */
export function authGuards(deps: { config: Config; db: Database; logger: Logger; redis: Redis }) {
  const { config, redis } = deps;
  const prefix = config.redis.prefix;
  const throttling = authThrottling(config, redis);
  const partner: MiddlewareHandler<HubEnv>[] = [
    apiKeyAuth(deps.db, deps.logger, throttling),
    rateLimitPerKey({ redis, prefix, defaultPerMinute: config.rateLimitPerMinute }),
  ];
  const adminApi: MiddlewareHandler<HubEnv>[] = [
    rateLimit({
      redis,
      keyPrefix: `${prefix}:ratelimit-admin`,
      subjectOf: (c) => ({ id: throttling.clientAddress(c), perMinute: config.auth.adminRequestsPerMinute }),
    }),
    adminAuth(config.adminToken, throttling),
  ];
  const dashboard = adminAuth(config.adminToken, throttling, { basicRealm: "Switchboard admin" });
  return { partner, adminApi, dashboard, metrics: metricsGuard(config, throttling) };
}

/** Failed authentications of any kind share one budget per client address. */
export function authThrottling(config: Config, redis: Redis): AuthThrottling {
  return {
    failures: failureThrottle({
      redis,
      keyPrefix: `${config.redis.prefix}:authfail`,
      perMinute: config.auth.failuresPerMinute,
    }),
    clientAddress: clientAddressOf(config.auth.trustedProxies),
  };
}

/**
 * What stands in front of /metrics: a token-holding scraper or, outside production without
 * METRICS_TOKEN, anyone (undefined). The token check is the admin one (constant time, failures
 * throttled), with the metrics token; closed = no token at all.
 */
export function metricsGuard(
  config: Config,
  throttling: AuthThrottling,
): MiddlewareHandler<HubEnv> | undefined {
  return config.metrics.access === "open"
    ? undefined
    : adminAuth(config.metrics.access === "token" ? config.metrics.token : undefined, throttling);
}
