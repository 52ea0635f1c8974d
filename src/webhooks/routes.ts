import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Queue } from "bullmq";
import { requeueDelivery } from "../../queues/webhookJobs.js";
import type { Config } from "../config.js";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import type { WebhookDestinationPolicy } from "./resolvedDestination.js";
import { registerDeliveryRoutes } from "./routesDeliveries.js";
import { registerEndpointRoutes } from "./routesEndpoints.js";

export type WebhookRouteDeps = {
  db: Database;
  policy: WebhookDestinationPolicy;
  secretOverlapMs: number;
  /** Puts a delivery's next attempt on the queue now (queues/webhookJobs.ts). */
  requeue: (delivery: { id: string; attemptCount: number }) => Promise<unknown>;
};

/** Tenants' webhook endpoints, their deliveries and attempts, under /api/v1/webhooks. */
export function registerWebhookRoutes(app: OpenAPIHono<HubEnv>, deps: WebhookRouteDeps): void {
  registerEndpointRoutes(app, deps);
  registerDeliveryRoutes(app, deps);
}

/** The routes' dependencies from the app's: the delivery queue among the hub's queues. */
export function webhookRouteDeps(db: Database, config: Config, queues: readonly Queue[]): WebhookRouteDeps {
  const queue = queues.find((q) => q.name === "webhook-delivery");
  return {
    db,
    policy: config.webhooks,
    secretOverlapMs: config.webhooks.secretOverlapMs,
    requeue: async (delivery) => {
      if (!queue) throw new Error("the webhook-delivery queue is not open in this process");
      return requeueDelivery(queue, delivery);
    },
  };
}
