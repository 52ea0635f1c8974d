import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * A tenant's webhook endpoints. Secrets are kept as the tenant was shown them (`whsec_` + base64):
 * the hub must sign with them, so unlike API keys they cannot be stored as hashes.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    url: text("url").notNull(),
    /** Exact types, prefixes such as `omni.journey.*`, or `*`. */
    eventTypes: text("event_types").array().notNull(),
    description: text("description").notNull().default(""),
    enabled: boolean("enabled").notNull().default(true),
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still signed with until previous_secret_expires_at. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: at("previous_secret_expires_at"),
    /** The first failed attempt since the last success; null while the endpoint answers. */
    failingSince: at("failing_since"),
    disabledReason: text("disabled_reason"),
    /** Attempts in flight at once; null = WEBHOOK_ENDPOINT_MAX_CONCURRENCY. */
    maxConcurrency: integer("max_concurrency"),
    /** Attempts started per second; null = WEBHOOK_ENDPOINT_RATE_PER_SECOND. */
    rateLimitPerSecond: integer("rate_limit_per_second"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [index("webhook_endpoints_tenant_idx").on(t.tenantId, t.createdAt)],
);

/** The secret that signs deliveries to tickets' own integration.webhookUrl, one per tenant. */
export const tenantWebhookSecrets = pgTable("tenant_webhook_secrets", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  secret: text("secret").notNull(),
  createdAt: at("created_at").notNull().defaultNow(),
});

export const deliveryStatuses = ["pending", "succeeded", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One row per (event, destination): the memo that makes delivery exactly-once-successful. Jobs in
 * Redis carry only its id; the sweeper re-enqueues rows that are due when Redis lost their jobs.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    eventId: text("event_id").notNull(),
    eventType: text("event_type").notNull(),
    /** An endpoint's id, or `ticket.<ticket id>` for a ticket's integration.webhookUrl. */
    destination: text("destination").notNull(),
    /**
     * No foreign key (a check per row on the fan-out's path): the fan-out reads the endpoints FOR KEY
     * SHARE, and deleting an endpoint deletes its deliveries by trigger (migration 0027).
     */
    endpointId: text("endpoint_id"),
    /** Only for a ticket's own URL, copied at fan-out; an endpoint's URL is read when sending. */
    url: text("url"),
    status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
    attemptCount: integer("attempt_count").notNull().default(0),
    nextAttemptAt: at("next_attempt_at").notNull().defaultNow(),
    /** A worker sending this delivery holds it until then, so two workers never send it at once. */
    lockedUntil: at("locked_until"),
    /**
     * The webhook-batch job carrying its first attempt with the rest of its relayed batch's
     * deliveries to the same destination; null: its first attempt is a job of its own.
     */
    batchJobId: text("batch_job_id"),
    lastError: text("last_error"),
    createdAt: at("created_at").notNull().defaultNow(),
    completedAt: at("completed_at"),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_event_destination_key").on(t.eventId, t.destination),
    // The sweeper's work list: pending rows by due time.
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
    index("webhook_deliveries_endpoint_idx").on(t.tenantId, t.endpointId, t.createdAt),
  ],
);

export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    /**
     * No foreign key (a check and a row lock per attempt recorded): attempts are written only for a
     * delivery just updated in the same transaction, and a deleted delivery's attempts are deleted
     * by trigger (migration 0027).
     */
    deliveryId: text("delivery_id").notNull(),
    attemptedAt: at("attempted_at").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    /** The first bytes of the response body, capped. */
    responseExcerpt: text("response_excerpt"),
    error: text("error"),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.attemptedAt)],
);

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;
export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect;
export type WebhookAttemptRow = typeof webhookAttempts.$inferSelect;
