import { sql } from "drizzle-orm";
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
import type { RenderedContent } from "../../../connectors/contract.js";
import type { DialogueState } from "../../inbound/claimDialogue/state.js";
import type { InboundAttachmentRef, InboundChannel, ThreadHints } from "../../inbound/message.js";
import type { ServiceTypeRuleSet } from "../../inbound/serviceTypeRules.js";
import { customers } from "./customers.js";
import { tenants } from "./tenants.js";

const at = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const inboundMessageStatuses = ["received", "routed", "failed"] as const;
export type InboundMessageStatus = (typeof inboundMessageStatuses)[number];

/**
 * Every message a customer sent on a channel, stored before anything else happens to it. The unique
 * key on (tenant, channel, provider message id) makes a provider's redelivery a no-op: a tenant has
 * one account per channel, so tenant and channel name the account. Text, the sender's name and the
 * raw payload are stored with card numbers masked; the sender's address stays as sent, since it is
 * where replies go.
 */
export const inboundMessages = pgTable(
  "inbound_messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    channel: text("channel").$type<InboundChannel>().notNull(),
    providerMessageId: text("provider_message_id").notNull(),
    senderAddress: text("sender_address").notNull(),
    senderName: text("sender_name"),
    /** The conversation on the channel: a chat id, a phone number, an e-mail chain's root. */
    threadRef: text("thread_ref").notNull(),
    /** What the message says it answers (e-mail: reply token, In-Reply-To, References, subject). */
    threadHints: jsonb("thread_hints").$type<ThreadHints>(),
    text: text("text").notNull(),
    attachments: jsonb("attachments").$type<InboundAttachmentRef[]>().notNull().default([]),
    /** The customer's language as the channel reports it (Telegram's language_code), if it does. */
    languageHint: text("language_hint"),
    receivedAt: at("received_at").notNull(),
    rawPayload: jsonb("raw_payload").$type<unknown>(),
    status: text("status").$type<InboundMessageStatus>().notNull().default("received"),
    /** What routing did: ticket_created, comment_added, ticket_reopened, dialogue_*, claim_filed. */
    outcome: text("outcome"),
    conversationId: text("conversation_id"),
    ticketId: text("ticket_id"),
    error: text("error"),
    createdAt: at("created_at").notNull().defaultNow(),
    routedAt: at("routed_at"),
  },
  (t) => [
    uniqueIndex("inbound_messages_provider_uq").on(t.tenantId, t.channel, t.providerMessageId),
    // The router takes a conversation's messages in arrival order; the sweeper finds stragglers.
    index("inbound_messages_pending_idx")
      .on(t.tenantId, t.channel, t.threadRef, t.createdAt)
      .where(sql`${t.status} = 'received'`),
    index("inbound_messages_received_idx").on(t.createdAt).where(sql`${t.status} = 'received'`),
    // An e-mail reply answers the conversation's latest message (src/inbound/mailThread.ts).
    index("inbound_messages_conversation_idx").on(t.conversationId, t.createdAt),
    // When a thread's customer last wrote (WhatsApp's 24-hour window is counted from it), and a web
    // chat customer who comes back reads their thread's messages (src/webchat/history.ts).
    index("inbound_messages_thread_idx").on(t.tenantId, t.channel, t.threadRef, t.receivedAt),
  ],
);

/**
 * One thread of one customer on one channel (a Telegram chat, an SMS number): the ticket it feeds,
 * the claim dialogue in progress, the address replies go to, and the language to reply in.
 */
export const conversations = pgTable(
  "conversations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    channel: text("channel").$type<InboundChannel>().notNull(),
    threadRef: text("thread_ref").notNull(),
    customerId: text("customer_id")
      .notNull()
      .references(() => customers.id),
    /** Where replies go on the channel (a chat id, a phone number, an e-mail address). */
    address: text("address").notNull(),
    locale: text("locale").$type<"id" | "en">().notNull().default("id"),
    /** The ticket new messages join while it is open (or reopen within the window). */
    ticketId: text("ticket_id"),
    dialogue: jsonb("dialogue").$type<DialogueState>(),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("conversations_thread_uq").on(t.tenantId, t.channel, t.threadRef)],
);

/** Every ticket a conversation opened, so an agent's reply on any of them goes back on its channel. */
export const conversationTickets = pgTable(
  "conversation_tickets",
  {
    ticketId: text("ticket_id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    /**
     * E-mail: the unguessable token of the ticket's reply address (`<local>+<token>@<domain>`), so
     * a customer's answer finds its ticket whatever their mail program keeps of the headers.
     */
    replyToken: text("reply_token"),
    createdAt: at("created_at").notNull().defaultNow(),
  },
  (t) => [
    index("conversation_tickets_conversation_idx").on(t.conversationId),
    uniqueIndex("conversation_tickets_reply_token_uq")
      .on(t.replyToken)
      .where(sql`${t.replyToken} IS NOT NULL`),
  ],
);

export const outboundKinds = ["reply", "acknowledgement", "prompt"] as const;
export type OutboundKind = (typeof outboundKinds)[number];
export const outboundStatuses = ["pending", "sent", "delivered", "read", "failed"] as const;
export type OutboundStatus = (typeof outboundStatuses)[number];

/**
 * What the hub sends back on a conversation's channel: agents' replies (one per comment),
 * acknowledgements of new tickets and claims, and the claim dialogue's questions. The row is
 * written in the transaction that decided to send, and is the memo the sender reads before it sends,
 * so a retried job never sends a message that is already marked sent.
 */
export const outboundMessages = pgTable(
  "outbound_messages",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    ticketId: text("ticket_id"),
    commentId: text("comment_id"),
    kind: text("kind").$type<OutboundKind>().notNull(),
    channel: text("channel").$type<InboundChannel>().notNull(),
    toAddress: text("to_address").notNull(),
    text: text("text").notNull(),
    /**
     * What an acknowledgement rendered from the tenant's template sends on its channel (an e-mail's
     * HTML, Telegram's HTML); null where `text` is the message, as plain text.
     */
    content: jsonb("content").$type<RenderedContent>(),
    status: text("status").$type<OutboundStatus>().notNull().default("pending"),
    providerMessageId: text("provider_message_id"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    createdAt: at("created_at").notNull().defaultNow(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("outbound_messages_comment_uq").on(t.commentId).where(sql`${t.commentId} IS NOT NULL`),
    index("outbound_messages_ticket_idx").on(t.tenantId, t.ticketId),
    index("outbound_messages_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`),
    index("outbound_messages_provider_idx")
      .on(t.channel, t.providerMessageId)
      .where(sql`${t.providerMessageId} IS NOT NULL`),
    // What a conversation was sent: a web chat thread's history.
    index("outbound_messages_conversation_idx").on(t.conversationId, t.createdAt),
  ],
);

/** A tenant's own keyword rules for the service type of new inbound tickets; absent = the defaults. */
export const serviceTypeRules = pgTable(
  "service_type_rules",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    ruleSet: jsonb("rule_set").$type<ServiceTypeRuleSet>().notNull(),
    updatedAt: at("updated_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tenantId] })],
);

export type InboundMessageRow = typeof inboundMessages.$inferSelect;
export type ConversationRow = typeof conversations.$inferSelect;
export type OutboundMessageRow = typeof outboundMessages.$inferSelect;
