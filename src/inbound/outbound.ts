import { and, eq, inArray, isNull, or, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  conversations,
  type OutboundMessageRow,
  type OutboundStatus,
  outboundMessages,
} from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
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
  /** E-mail: where the message sits in the customer's mail thread. */
  mail?: MailThread | undefined;
};

/** Sends plain text on a tenant's channel account: the port to the connectors' senders. */
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
  const [row] = await db.select().from(outboundMessages).where(eq(outboundMessages.id, outboundId));
  if (!row) return { status: "missing", outboundId };
  if (row.status !== "pending") return { status: "not_pending", outboundId };
  const result = await sender.send({
    outboundId: row.id,
    tenantId: row.tenantId,
    conversationId: row.conversationId,
    channel: row.channel,
    to: row.toAddress,
    text: row.text,
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

/** Marks the row sent or failed, with its event on the customer's timeline (and the ticket's, for replies). */
async function settle(
  db: Database,
  row: OutboundMessageRow,
  outcome: { status: "sent" | "failed"; providerMessageId: string | null; error: string | null },
): Promise<void> {
  const now = new Date();
  // A receipt may come before the send's own record: a web chat socket writes the message, and marks
  // it delivered, while this job has yet to record it sent. That status stays; the provider's id and
  // the sent event are still recorded, once (no provider id yet is what says the send was not).
  const { status, providerMessageId } = outboundMessages;
  const recordable =
    outcome.status === "sent"
      ? or(eq(status, "pending"), and(inArray(status, ["delivered", "read"]), isNull(providerMessageId)))
      : eq(status, "pending");
  await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(outboundMessages)
      .set({
        status:
          outcome.status === "sent"
            ? sql<OutboundStatus>`CASE WHEN ${status} = 'pending' THEN 'sent' ELSE ${status} END`
            : outcome.status,
        providerMessageId: outcome.providerMessageId,
        error: outcome.error === null ? null : scrubText(outcome.error).slice(0, 1000),
        attempts: sql`${outboundMessages.attempts} + 1`,
        updatedAt: now,
      })
      .where(and(eq(outboundMessages.id, row.id), recordable))
      .returning({ id: outboundMessages.id });
    if (!updated) return;
    const [conversation] = await tx
      .select({ customerId: conversations.customerId })
      .from(conversations)
      .where(eq(conversations.id, row.conversationId));
    await recordEvent(tx, {
      tenantId: row.tenantId,
      type:
        outcome.status === "sent" ? eventTypes.conversationMessageSent : eventTypes.conversationMessageFailed,
      subject: row.ticketId
        ? { type: "ticket", id: row.ticketId }
        : { type: "conversation", id: row.conversationId },
      actor: { type: "system" },
      channel: ticketChannelOf[row.channel],
      customerId: conversation?.customerId,
      occurredAt: now,
      payload: {
        outboundId: row.id,
        kind: row.kind,
        conversationId: row.conversationId,
        commentId: row.commentId,
        ...(outcome.status === "failed" ? { reason: scrubText(outcome.error ?? "") } : {}),
      },
    });
  });
}

/** Pending rows older than `olderThanMs`: their job may be lost with Redis (the sweeper's candidates). */
export async function strandedOutbound(
  db: Database,
  olderThanMs: number,
  limit: number,
): Promise<Array<{ id: string; tenantId: string }>> {
  return db
    .select({ id: outboundMessages.id, tenantId: outboundMessages.tenantId })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.status, "pending"),
        sql`${outboundMessages.createdAt} < now() - make_interval(secs => ${olderThanMs / 1000})`,
      ),
    )
    .orderBy(outboundMessages.createdAt)
    .limit(limit);
}
