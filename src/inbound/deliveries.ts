import { and, eq, inArray } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type OutboundStatus, outboundMessages } from "../db/schema/index.js";
import type { TicketChannel } from "../tickets/vocabulary.js";
import { ticketChannelOf } from "./message.js";

/** How an agent's reply went out on the customer's channel, as the desk shows it on the comment. */
export type ReplyDelivery = {
  channel: TicketChannel;
  status: OutboundStatus;
  error: string | null;
  updatedAt: string;
};

/**
 * The delivery of each of these replies on a ticket that went (or is going) out on a channel, by
 * comment id: the comments a page shows, never all of a ticket's.
 */
export async function replyDeliveries(
  db: Database,
  ticket: { tenantId: string; id: string },
  commentIds: readonly string[],
): Promise<ReadonlyMap<string, ReplyDelivery>> {
  if (commentIds.length === 0) return new Map();
  const rows = await db
    .select({
      commentId: outboundMessages.commentId,
      channel: outboundMessages.channel,
      status: outboundMessages.status,
      error: outboundMessages.error,
      updatedAt: outboundMessages.updatedAt,
    })
    .from(outboundMessages)
    .where(
      and(
        eq(outboundMessages.tenantId, ticket.tenantId),
        eq(outboundMessages.ticketId, ticket.id),
        inArray(outboundMessages.commentId, [...commentIds]),
      ),
    );
  return new Map(
    rows.map((r) => [
      r.commentId as string,
      {
        channel: ticketChannelOf[r.channel],
        status: r.status,
        error: r.error,
        updatedAt: r.updatedAt.toISOString(),
      },
    ]),
  );
}
