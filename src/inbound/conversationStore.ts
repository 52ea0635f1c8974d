import { randomBytes } from "node:crypto";
import { and, eq, type SQL, sql } from "drizzle-orm";
import { type Database, statementTemplate, type Tx } from "../db/client.js";
import {
  type ConversationRow,
  conversations,
  conversationTickets,
  type InboundMessageRow,
  inboundMessages,
  type OutboundKind,
  outboundMessages,
} from "../db/schema/index.js";
import { newId } from "../ids.js";
import type { Acknowledgement } from "./acknowledgement.js";
import { localeFromHint } from "./claimDialogue/prompts.js";
import type { ResolvedCustomer } from "./identity/port.js";
import type { InboundChannel } from "./message.js";
import { letterHex } from "./storable.js";

/**
 * The conversation a message belongs to, locked for the rest of the transaction: one conversation's
 * messages are routed one at a time, in order, by whichever worker holds the lock. Created on the
 * first message of a thread.
 */
export async function lockConversation(
  tx: Tx,
  message: InboundMessageRow,
  customer: ResolvedCustomer,
  now: Date,
): Promise<ConversationRow> {
  const where = and(
    eq(conversations.tenantId, message.tenantId),
    eq(conversations.channel, message.channel),
    eq(conversations.threadRef, message.threadRef),
  );
  const [created] = await tx
    .insert(conversations)
    .values({
      id: newId("conversation"),
      tenantId: message.tenantId,
      channel: message.channel,
      threadRef: message.threadRef,
      customerId: customer.customerId,
      address: message.senderAddress,
      locale: localeFromHint(message.languageHint),
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoNothing()
    .returning();
  // A row this transaction just inserted is its own until it commits: nobody else can lock it.
  if (created) return created;
  const [row] = await tx.select().from(conversations).where(where).for("update");
  if (!row) throw new Error(`conversation of message ${message.id} vanished`);
  return row;
}

export async function updateConversation(
  tx: Tx,
  id: string,
  changes: Partial<Pick<ConversationRow, "customerId" | "address" | "ticketId" | "dialogue">>,
  now: Date,
): Promise<void> {
  await tx
    .update(conversations)
    .set({ ...changes, updatedAt: now })
    .where(eq(conversations.id, id));
}

/**
 * Remembers that the conversation opened the ticket, so replies on it go back on the channel. An
 * e-mail ticket gets its reply token here: random, stored, and not the ticket number, so nobody
 * can write onto a ticket by guessing its address.
 */
export async function linkTicket(tx: Tx, conversation: ConversationRow, ticketId: string): Promise<void> {
  await tx
    .insert(conversationTickets)
    .values({
      ticketId,
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      replyToken: conversation.channel === "email" ? newReplyToken() : null,
    })
    .onConflictDoNothing();
}

/**
 * A ticket the conversation just opened, in one statement: linked (linkTicket), fed by the
 * conversation's next messages with no dialogue left (updateConversation), and acknowledged to the
 * customer (queueOutbound). Answers the acknowledgement's outbound id.
 */
const ticketOpenedStatement = statementTemplate(
  "inbound_ticket_opened_v2",
  (p) => sql`WITH link AS (
      INSERT INTO conversation_tickets (ticket_id, tenant_id, conversation_id, reply_token)
      VALUES (${p.k_ticket}::text, ${p.k_tenant}::text, ${p.k_conversation}::text, ${p.k_token}::text)
      ON CONFLICT DO NOTHING
    ),
    conversation AS (
      UPDATE conversations SET ticket_id = ${p.k_ticket}::text, dialogue = NULL, updated_at = ${p.k_at}::timestamptz
      WHERE id = ${p.k_conversation}::text
    )
    INSERT INTO outbound_messages (id, tenant_id, conversation_id, ticket_id, comment_id, kind, channel,
      to_address, text, content, created_at, updated_at)
    VALUES (${p.k_ack}::text, ${p.k_tenant}::text, ${p.k_conversation}::text, ${p.k_ticket}::text, NULL,
      'acknowledgement', ${p.k_channel}::text, ${p.k_address}::text, ${p.k_text}::text, ${p.k_content}::jsonb,
      ${p.k_at}::timestamptz, ${p.k_at}::timestamptz)
    RETURNING id`,
);

export async function linkOpenedTicket(
  tx: Tx,
  conversation: ConversationRow,
  ticketId: string,
  acknowledgement: Acknowledgement,
  now: Date,
): Promise<string> {
  const id = newId("outboundMessage");
  await ticketOpenedStatement(tx, {
    k: {
      ticket: ticketId,
      tenant: conversation.tenantId,
      conversation: conversation.id,
      token: conversation.channel === "email" ? newReplyToken() : null,
      at: now.toISOString(),
      ack: id,
      channel: conversation.channel,
      address: conversation.address,
      text: acknowledgement.text,
      content: acknowledgement.content === null ? null : JSON.stringify(acknowledgement.content),
    },
  });
  return id;
}

/** 96 random bits, lower case (mail servers may lower-case an address's local part), no digits. */
export function newReplyToken(): string {
  return letterHex(randomBytes(12));
}

/** The oldest message still waiting for the router among those `inThread` picks. */
async function firstWaiting(db: Database, inThread: SQL | undefined): Promise<InboundMessageRow | undefined> {
  const [row] = await db
    .select()
    .from(inboundMessages)
    .where(and(eq(inboundMessages.status, "received"), inThread))
    .orderBy(inboundMessages.createdAt, inboundMessages.id)
    .limit(1);
  return row;
}

/**
 * The oldest message of a thread still waiting for the router, if any: a peek, outside any
 * transaction, so its files can be fetched before one starts.
 */
export function oldestWaiting(
  db: Database,
  thread: { tenantId: string; channel: InboundChannel; threadRef: string },
): Promise<InboundMessageRow | undefined> {
  return firstWaiting(
    db,
    and(
      eq(inboundMessages.tenantId, thread.tenantId),
      eq(inboundMessages.channel, thread.channel),
      eq(inboundMessages.threadRef, thread.threadRef),
    ),
  );
}

/**
 * oldestWaiting of a message's thread, read by the message's id while it waits: one read where
 * finding the message and then its thread's oldest would be two. Undefined when it does not wait
 * (routed, failed, or missing: findMessage tells which).
 */
export function oldestWaitingBefore(
  db: Database,
  tenantId: string,
  messageId: string,
): Promise<InboundMessageRow | undefined> {
  return firstWaiting(
    db,
    sql`(${inboundMessages.tenantId}, ${inboundMessages.channel}, ${inboundMessages.threadRef}) =
          (SELECT tenant_id, channel, thread_ref FROM inbound_messages
            WHERE tenant_id = ${tenantId} AND id = ${messageId} AND status = 'received')`,
  );
}

export async function findMessage(
  db: Database | Tx,
  tenantId: string,
  messageId: string,
  lock = false,
): Promise<InboundMessageRow | undefined> {
  const query = db
    .select()
    .from(inboundMessages)
    .where(and(eq(inboundMessages.tenantId, tenantId), eq(inboundMessages.id, messageId)));
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

export async function markRouted(
  tx: Tx,
  messageId: string,
  result: { outcome: string; conversationId: string; ticketId: string | null; note?: string | undefined },
  now: Date,
): Promise<void> {
  await tx
    .update(inboundMessages)
    .set({
      status: "routed",
      outcome: result.outcome,
      conversationId: result.conversationId,
      ticketId: result.ticketId,
      error: result.note ?? null,
      routedAt: now,
    })
    .where(eq(inboundMessages.id, messageId));
}

/** Writes a message to send on the conversation's channel; its job is enqueued after the commit. */
export async function queueOutbound(
  tx: Tx,
  conversation: ConversationRow,
  message: { kind: OutboundKind; text: string; ticketId?: string | null; commentId?: string | null },
  now: Date,
): Promise<string | undefined> {
  const id = newId("outboundMessage");
  const [row] = await tx
    .insert(outboundMessages)
    .values({
      id,
      tenantId: conversation.tenantId,
      conversationId: conversation.id,
      ticketId: message.ticketId ?? null,
      commentId: message.commentId ?? null,
      kind: message.kind,
      channel: conversation.channel,
      toAddress: conversation.address,
      text: message.text,
      createdAt: now,
      updatedAt: now,
    })
    // One reply per comment: a second fan-out of the same COMMENT_ADDED writes nothing.
    .onConflictDoNothing({
      target: outboundMessages.commentId,
      where: sql`${outboundMessages.commentId} IS NOT NULL`,
    })
    .returning({ id: outboundMessages.id });
  return row?.id;
}
