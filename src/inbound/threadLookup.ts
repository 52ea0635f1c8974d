import { and, desc, eq, type SQL } from "drizzle-orm";
import type { Tx } from "../db/client.js";
import {
  conversations,
  conversationTickets,
  type InboundMessageRow,
  inboundMessages,
  outboundMessages,
  tickets,
} from "../db/schema/index.js";
import { type ThreadReference, threadReferences } from "./threading.js";

/** The thread a message continues, and the ticket its reference names when it names one. */
export type ContinuedThread = { threadRef: string; ticketId: string | null };

type Found = { threadRef: string; customerId: string; ticketId: string | null };

/**
 * The conversation a message continues, from the references it makes (e-mail: reply address,
 * In-Reply-To, References, subject), tried in threadReferences' order. A reference counts only when
 * it names a conversation of the same channel whose customer is the sender: a forged or forwarded
 * reference never puts a message on someone else's ticket. Undefined: the message starts its own
 * thread (its `threadRef`).
 */
export async function continuedThread(
  tx: Tx,
  message: Pick<InboundMessageRow, "tenantId" | "channel" | "threadHints">,
  customerId: string,
): Promise<ContinuedThread | undefined> {
  for (const ref of threadReferences(message.threadHints)) {
    const found = await lookup(tx, message, ref);
    if (found && found.customerId === customerId)
      return { threadRef: found.threadRef, ticketId: found.ticketId };
  }
  return undefined;
}

async function lookup(
  tx: Tx,
  message: Pick<InboundMessageRow, "tenantId" | "channel">,
  ref: ThreadReference,
): Promise<Found | undefined> {
  const sameChannel = and(
    eq(conversations.tenantId, message.tenantId),
    eq(conversations.channel, message.channel),
  ) as SQL;
  switch (ref.kind) {
    case "replyToken":
      return first(
        tx
          .select(ticketThread)
          .from(conversationTickets)
          .innerJoin(conversations, eq(conversations.id, conversationTickets.conversationId))
          .where(and(sameChannel, eq(conversationTickets.replyToken, ref.token))),
      );
    case "messageId":
      // One of the hub's messages on the thread (an acknowledgement, an agent's reply), else one of
      // the customer's own earlier ones.
      return (
        (await first(
          tx
            .select({ ...thread, ticketId: outboundMessages.ticketId })
            .from(outboundMessages)
            .innerJoin(conversations, eq(conversations.id, outboundMessages.conversationId))
            .where(
              and(
                sameChannel,
                eq(outboundMessages.tenantId, message.tenantId),
                eq(outboundMessages.providerMessageId, ref.id),
              ),
            )
            .orderBy(desc(outboundMessages.createdAt)),
        )) ??
        (await first(
          tx
            .select({ ...thread, ticketId: inboundMessages.ticketId })
            .from(inboundMessages)
            .innerJoin(conversations, eq(conversations.id, inboundMessages.conversationId))
            .where(
              and(
                sameChannel,
                eq(inboundMessages.tenantId, message.tenantId),
                eq(inboundMessages.channel, message.channel),
                eq(inboundMessages.providerMessageId, ref.id),
              ),
            ),
        ))
      );
    case "ticketNumber": {
      if (!/^\d{1,15}$/.test(ref.number)) return undefined;
      return first(
        tx
          .select(ticketThread)
          .from(tickets)
          .innerJoin(conversationTickets, eq(conversationTickets.ticketId, tickets.id))
          .innerJoin(conversations, eq(conversations.id, conversationTickets.conversationId))
          .where(
            and(sameChannel, eq(tickets.tenantId, message.tenantId), eq(tickets.number, Number(ref.number))),
          ),
      );
    }
  }
}

const thread = { threadRef: conversations.threadRef, customerId: conversations.customerId };
const ticketThread = { ...thread, ticketId: conversationTickets.ticketId };

async function first(query: { limit(n: number): PromiseLike<Found[]> }): Promise<Found | undefined> {
  const [row] = await query.limit(1);
  return row;
}
