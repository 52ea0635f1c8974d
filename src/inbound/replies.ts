import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import {
  conversations,
  conversationTickets,
  type EventRow,
  events,
  outboundMessages,
} from "../db/schema/index.js";
import { findComment } from "../tickets/queries.js";
import { queueOutbound } from "./conversationStore.js";

/**
 * Agents' replies back to the customer: a COMMENT_ADDED from support, not internal, on a ticket a
 * conversation opened, becomes an outbound message on that conversation's channel, to its
 * address. Internal notes never leave: the event says so, and the comment row is read again to be
 * sure, since it is the truth.
 */

/** Of a relayed batch's COMMENT_ADDED events, those that are public replies on a conversation's ticket. */
export async function repliesAmong(tx: Tx, eventIds: readonly string[]): Promise<ReadonlySet<string>> {
  if (eventIds.length === 0) return new Set();
  const rows = await tx
    .select({ id: events.id })
    .from(events)
    .innerJoin(
      conversationTickets,
      and(
        eq(conversationTickets.ticketId, events.subjectId),
        eq(conversationTickets.tenantId, events.tenantId),
      ),
    )
    .where(
      and(
        inArray(events.id, [...eventIds]),
        sql`${events.payload}->>'isFromSupport' = 'true'`,
        sql`coalesce(${events.payload}->>'isInternal', 'false') = 'false'`,
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/**
 * Writes the outbound message of a reply (once per comment: the unique comment id makes a second
 * handling write nothing) and answers its id while it is still to be sent, so the caller enqueues
 * it; undefined when there is nothing to send.
 */
export async function replyOutbound(db: Database, event: EventRow): Promise<string | undefined> {
  const commentId = typeof event.payload.commentId === "string" ? event.payload.commentId : undefined;
  if (!commentId || event.subjectType !== "ticket") return undefined;
  return db.transaction(async (tx) => {
    const comment = await findComment(tx, event.tenantId, commentId);
    if (!comment || comment.isInternal || !comment.isFromSupport) return undefined;
    const [conversation] = await tx
      .select()
      .from(conversations)
      .innerJoin(conversationTickets, eq(conversationTickets.conversationId, conversations.id))
      .where(
        and(eq(conversationTickets.ticketId, comment.ticketId), eq(conversations.tenantId, event.tenantId)),
      );
    if (!conversation) return undefined;
    const written = await queueOutbound(
      tx,
      conversation.conversations,
      { kind: "reply", text: comment.content, ticketId: comment.ticketId, commentId: comment.id },
      new Date(),
    );
    if (written) return written;
    // Handled before: enqueue again only if it was never sent (its job may have been lost).
    const [existing] = await tx
      .select({ id: outboundMessages.id, status: outboundMessages.status })
      .from(outboundMessages)
      .where(eq(outboundMessages.commentId, comment.id));
    return existing?.status === "pending" ? existing.id : undefined;
  });
}
