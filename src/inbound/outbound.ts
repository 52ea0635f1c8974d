import { and, eq, sql } from "drizzle-orm";
import type { RenderedContent } from "../../connectors/contract.js";
import { type Database, onePerDatabase, statementTemplate } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
import { type OutboundMessageRow, outboundMessages } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { eventInsertSql, eventInsertValues } from "../events/writer.js";
import { scrubText } from "../privacy/logRedaction.js";
import { type MailThread, mailThreadOf } from "./mailThread.js";
import { type InboundChannel, ticketChannelOf } from "./message.js";

/** What a channel's sender answers (the Connector contract's SendResult), or that the tenant has no account. */
export type ConversationSendResult =
  | { outcome: "sent"; providerMessageId: string }
  | { outcome: "transient"; reason: string; retryAfterMs?: number }
  | { outcome: "permanent"; reason: string }
  | { outcome: "no_account"; reason: string };

export type ConversationMessage = {
  outboundId: string;
  tenantId: string;
  conversationId: string;
  channel: InboundChannel;
  to: string;
  text: string;
  /**
   * The channel's content when the message has more than plain text (an acknowledgement rendered
   * from the tenant's template: HTML for e-mail and Telegram); null: `text` is the message.
   */
  content: RenderedContent | null;
  /** E-mail: where the message sits in the customer's mail thread. */
  mail?: MailThread | undefined;
};

/** Sends a conversation's message on a tenant's channel account: the port to the connectors' senders. */
export interface ConversationSender {
  send(message: ConversationMessage): Promise<ConversationSendResult>;
}

export type OutboundResult =
  | { status: "sent" | "failed"; outboundId: string }
  | { status: "not_pending" | "missing"; outboundId: string };

/** A transient failure: the job throws it so BullMQ retries on the catalog's backoff. */
export class TransientSendError extends Error {
  override readonly name = "TransientSendError";
}

// Every acknowledgement and reply reads its row: built and prepared once per database, not per send.
const outboundById = onePerDatabase((db) =>
  db
    .select()
    .from(outboundMessages)
    .where(eq(outboundMessages.id, sql.placeholder("id")))
    .prepare("inbound_outbound_by_id"),
);

/**
 * One attempt at one outbound message. The row is the memo: only a pending row is sent, and it is
 * marked sent (with the provider's id) right after the provider accepted it, so a retried job never
 * sends a message already marked. A crash between the provider's answer and the mark sends it once
 * more: at least once, as providers without idempotency keys (Telegram) allow no better.
 */
export async function sendOutbound(
  db: Database,
  sender: ConversationSender,
  outboundId: string,
  attempt: { isLast: boolean },
): Promise<OutboundResult> {
  const [row] = await outboundById(db).execute({ id: outboundId });
  if (!row) return { status: "missing", outboundId };
  if (row.status !== "pending") return { status: "not_pending", outboundId };
  const result = await sender.send({
    outboundId: row.id,
    tenantId: row.tenantId,
    conversationId: row.conversationId,
    channel: row.channel,
    to: row.toAddress,
    text: row.text,
    content: row.content,
    mail: row.channel === "email" ? await mailThreadOf(db, row) : undefined,
  });
  switch (result.outcome) {
    case "sent":
      await settle(db, row, { status: "sent", providerMessageId: result.providerMessageId, error: null });
      return { status: "sent", outboundId };
    case "permanent":
    case "no_account":
      await settle(db, row, { status: "failed", providerMessageId: null, error: result.reason });
      return { status: "failed", outboundId };
    case "transient":
      if (attempt.isLast) {
        await settle(db, row, { status: "failed", providerMessageId: null, error: result.reason });
        return { status: "failed", outboundId };
      }
      await db
        .update(outboundMessages)
        .set({
          attempts: sql`${outboundMessages.attempts} + 1`,
          error: scrubText(result.reason),
          updatedAt: new Date(),
        })
        .where(eq(outboundMessages.id, row.id));
      throw new TransientSendError(scrubText(result.reason));
  }
}

/**
 * Marks the row sent or failed, and writes its event on the customer's timeline (and the ticket's,
 * for replies), in one statement. A receipt may come before the send's own record: a web chat
 * socket writes the message, and marks it delivered, while this job has yet to record it sent. That
 * status stays; the provider's id and the sent event are still recorded, once (no provider id yet
 * is what says the send was not).
 */
const settleStatement = statementTemplate(
  "inbound_outbound_settle_v1",
  (p) => sql`WITH updated AS (
      UPDATE outbound_messages SET
        status = CASE WHEN ${p.o_status}::text = 'sent' AND status <> 'pending' THEN status ELSE ${p.o_status}::text END,
        provider_message_id = ${p.o_provider_id}::text, error = ${p.o_error}::text,
        attempts = attempts + 1, updated_at = ${p.e_at}::timestamptz
      WHERE id = ${p.o_id}::text AND (status = 'pending' OR (${p.o_status}::text = 'sent'
        AND status IN ('delivered', 'read') AND provider_message_id IS NULL))
      RETURNING id, conversation_id AS conversation
    ),
    scope AS (
      SELECT ${p.o_subject_id}::text AS id, (SELECT customer_id FROM conversations c WHERE c.id = updated.conversation) AS customer_id
      FROM updated
    )
    ${eventInsertSql("e", p, { cte: "scope", customerId: sql`scope.customer_id` })}`,
);

async function settle(
  db: Database,
  row: OutboundMessageRow,
  outcome: { status: "sent" | "failed"; providerMessageId: string | null; error: string | null },
): Promise<void> {
  const now = new Date();
  await settleStatement(db, {
    o: {
      id: row.id,
      status: outcome.status,
      provider_id: outcome.providerMessageId,
      error: outcome.error === null ? null : scrubText(outcome.error).slice(0, 1000),
      subject_id: row.ticketId ?? row.conversationId,
    },
    e: eventInsertValues({
      tenantId: row.tenantId,
      type:
        outcome.status === "sent" ? eventTypes.conversationMessageSent : eventTypes.conversationMessageFailed,
      subjectType: row.ticketId ? "ticket" : "conversation",
      actor: { type: "system" },
      channel: ticketChannelOf[row.channel],
      occurredAt: now,
      payload: {
        outboundId: row.id,
        kind: row.kind,
        conversationId: row.conversationId,
        commentId: row.commentId,
        ...(outcome.status === "failed" ? { reason: scrubText(outcome.error ?? "") } : {}),
      },
    }),
  });
}

/**
 * Pending rows older than `olderThanMs`, oldest first (after `after` when given, a page at a time):
 * their job may be lost with Redis (the sweeper's candidates).
 */
export async function strandedOutbound(
  db: Database,
  olderThanMs: number,
  limit: number,
  after?: KeysetPosition,
): Promise<Array<{ id: string; tenantId: string; position: KeysetPosition }>> {
  const rows = await db
    .select({
      id: outboundMessages.id,
      tenantId: outboundMessages.tenantId,
      at: exactAt(outboundMessages.createdAt),
    })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.status, "pending"),
        sql`${outboundMessages.createdAt} < now() - make_interval(secs => ${olderThanMs / 1000})`,
        after ? beyond(outboundMessages.createdAt, outboundMessages.id, ">", after) : undefined,
      ),
    )
    .orderBy(outboundMessages.createdAt, outboundMessages.id)
    .limit(limit);
  return rows.map(({ at, ...row }) => ({ ...row, position: { at, id: row.id } }));
}
