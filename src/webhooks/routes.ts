import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Producer } from "../../queues/producer.js";
import { requeueDeliveries } from "../../queues/webhookJobs.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import type { WebhookDestinationPolicy } from "./resolvedDestination.js";
import { registerDeliveryRoutes } from "./routesDeliveries.js";
import { registerEndpointRoutes } from "./routesEndpoints.js";
import type { WebhookSecretKeys } from "./storedSecrets.js";
import type { DueDelivery } from "./sweeper.js";

export type WebhookRouteDeps = {
  db: Database;
  policy: WebhookDestinationPolicy;
  secretOverlapMs: number;
  /** Seal endpoints' and tenants' secrets at rest (see storedSecrets.ts). */
  secretKeys: WebhookSecretKeys;
  /** Puts deliveries' next attempts on the queue now (queues/webhookJobs.ts). */
  requeue: (deliveries: readonly DueDelivery[]) => Promise<unknown>;
};

/** Tenants' webhook endpoints, their deliveries and attempts, under /api/v1/webhooks. */
export function registerWebhookRoutes(app: OpenAPIHono<HubEnv>, deps: WebhookRouteDeps): void {
  registerEndpointRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
}

/** The routes' dependencies from the app's: the delivery queue through the one producer. */
export function webhookRouteDeps(db: Database, config: Config, producer: Producer): WebhookRouteDeps {
  return {
    db,
    policy: config.webhooks,
    secretOverlapMs: config.webhooks.secretOverlapMs,
    secretKeys: config.channels.secretKeys,
    requeue: (deliveries) => requeueDeliveries(producer, deliveries, { promote: true }),
  };
}
