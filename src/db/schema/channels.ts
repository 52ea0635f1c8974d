import { boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { tenants } from "./tenants.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * A tenant's provider account per channel (connectors/contract.ts ChannelAccount). Settings that
 * are not secret (hosts, sender numbers, API roots) are plain jsonb; credentials are one sealed
 * JSON object (src/secrets/secretBox.ts, context `<tenant>/<channel>`), never stored in clear.
 */
export const channelAccounts = pgTable(
  "channel_accounts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    channel: text("channel").notNull(),
    provider: text("provider").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    /** Sealed JSON of the secret fields; null when the provider has none. */
    sealedSecrets: text("sealed_secrets"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("channel_accounts_tenant_channel_uq").on(t.tenantId, t.channel)],
);

export type ChannelAccountRow = typeof channelAccounts.$inferSelect;

/**
 * A customer's browser push subscription. The endpoint is a capability URL (whoever holds it and
 * the keys can push to that browser), so endpoint and keys are sealed together; the hash finds a
 * browser that subscribes again, the origin is what lists show.
 */
export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    /** The customer reference notifications name as recipientId. */
    customerId: text("customer_id").notNull(),
    /** sha256 of the endpoint URL, hex. */
    endpointHash: text("endpoint_hash").notNull(),
    /** e.g. https://fcm.googleapis.com: which push service, without the browser's token. */
    endpointOrigin: text("endpoint_origin").notNull(),
    /** Sealed `{ endpoint, keys: { p256dh, auth } }`, context `<tenant>/push/<id>`. */
    sealed: text("sealed").notNull(),
    /** When the browser says the subscription lapses, if it says. */
    expiresAt: at("expires_at"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("push_subscriptions_endpoint_uq").on(t.tenantId, t.endpointHash),
    index("push_subscriptions_customer_idx").on(t.tenantId, t.customerId, t.createdAt),
  ],
);

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
