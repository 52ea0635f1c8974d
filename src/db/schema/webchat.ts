import { index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { customerSessions } from "./sessions.js";

/**
 * The web chat side of an SCT07 session (channel CHAT): the secret the widget keeps to resume it
 * (stored only as its SHA-256), the chat thread it continues, and who the customer said they were
 * (the e-mail or phone number the router resolves, the name they gave). A handoff's new session
 * gets a row of its own on the same thread, so the conversation goes on on the other device.
 */
export const webchatSessions = pgTable(
  "webchat_sessions",
  {
    sessionId: text("session_id")
      .primaryKey()
      .references(() => customerSessions.id),
    tenantId: text("tenant_id").notNull(),
    /** The conversation's thread on the web chat channel (`wct_...`), shared by handed-off sessions. */
    threadRef: text("thread_ref").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** The e-mail address or phone number the customer gave: the sender address of their messages. */
    senderAddress: text("sender_address").notNull(),
    senderName: text("sender_name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true, mode: "date" }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("webchat_sessions_token_uq").on(t.tokenHash),
    index("webchat_sessions_thread_idx").on(t.tenantId, t.threadRef),
  ],
);

export type WebchatSessionRow = typeof webchatSessions.$inferSelect;
