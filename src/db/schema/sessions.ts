import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";
import { customers } from "./customers.js";

const tz = { withTimezone: true, mode: "date" } as const;

export const sessionStatuses = ["active", "closed"] as const;
export type SessionStatus = (typeof sessionStatuses)[number];

/** A customer's session on one channel and device (SCT07). */
export const customerSessions = pgTable(
  "customer_sessions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    channel: text("channel").notNull(),
    deviceId: text("device_id"),
    status: text("status").$type<SessionStatus>().notNull().default("active"),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    /** The handoff this session resumed, when it was opened by one. */
    resumedFrom: text("resumed_from"),
    startedAt: timestamp("started_at", tz).notNull().defaultNow(),
    lastActiveAt: timestamp("last_active_at", tz).notNull().defaultNow(),
    closedAt: timestamp("closed_at", tz),
    /** closed | handed_off */
    closedReason: text("closed_reason"),
  },
  (t) => [
    // The unified profile: a customer's sessions per channel (count and last activity).
    index("customer_sessions_customer_idx").on(t.tenantId, t.customerId, t.channel, t.lastActiveAt),
  ],
);

export type CustomerSessionRow = typeof customerSessions.$inferSelect;

/**
 * A handoff token's record. The token itself is never stored: only its SHA-256, which is what a
 * resume looks it up by. Single use: resumed_at is set once, by the one resume that wins.
 */
export const sessionHandoffs = pgTable(
  "session_handoffs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    sourceSessionId: text("source_session_id")
      .notNull()
      .references(() => customerSessions.id),
    targetChannel: text("target_channel").notNull(),
    context: jsonb("context").$type<Record<string, unknown>>().notNull().default({}),
    expiresAt: timestamp("expires_at", tz).notNull(),
    createdAt: timestamp("created_at", tz).notNull().defaultNow(),
    resumedAt: timestamp("resumed_at", tz),
    resumedSessionId: text("resumed_session_id"),
  },
  (t) => [uniqueIndex("session_handoffs_token_uq").on(t.tokenHash)],
);

export type SessionHandoffRow = typeof sessionHandoffs.$inferSelect;

/**
 * Relayed events with a channel that the analytics fold has not folded yet. The outbox relay
 * adds them in the statement that takes them out of event_outbox; the fold (a job of its own, off
 * the relay's path) takes them out in the transaction that folds them. An event is thus unrelayed,
 * pending or folded, never two of these, and the analytics count the first two live: the figures are exact
 * whether or not the fold has run. See src/sct07/analytics.
 */
export const channelFoldPending = pgTable(
  "channel_fold_pending",
  {
    tenantId: text("tenant_id").notNull(),
    eventId: text("event_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.eventId] })],
);

/**
 * Channel analytics folded from relayed events (channel_fold_pending), each exactly once, so the
 * figures never drift from the events. Per tenant, channel and hour: transactions started,
 * handoffs completed, and how many customers' latest activity on the channel falls in that hour
 * (so "active since T" is a sum of at most a few hundred rows, however many events there are).
 */
export const channelActivityHours = pgTable(
  "channel_activity_hours",
  {
    tenantId: text("tenant_id").notNull(),
    channel: text("channel").notNull(),
    hour: timestamp("hour", tz).notNull(),
    transactions: integer("transactions").notNull().default(0),
    handoffs: integer("handoffs").notNull().default(0),
    lastActiveCustomers: integer("last_active_customers").notNull().default(0),
  },
  // Hour before channel: a window is one range of the key (tenant, hours since its start), however
  // many hours of the tenant's history lie before it.
  (t) => [primaryKey({ columns: [t.tenantId, t.hour, t.channel] })],
);

/** Each customer's latest folded activity per channel: the rows channel_activity_hours counts. */
export const customerChannelActivity = pgTable(
  "customer_channel_activity",
  {
    tenantId: text("tenant_id").notNull(),
    channel: text("channel").notNull(),
    customerId: text("customer_id").notNull(),
    lastActiveAt: timestamp("last_active_at", tz).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.channel, t.customerId] }),
    // The boundary hour of a window: customers whose latest activity falls between its start and the next hour.
    index("customer_channel_activity_time_idx").on(t.tenantId, t.lastActiveAt, t.channel),
    // A merge moves the merged customer's rows to the survivor.
    index("customer_channel_activity_customer_idx").on(t.customerId),
  ],
);
