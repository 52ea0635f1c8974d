import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client.js";
import {
  conversationTickets,
  inboundMessages,
  type OutboundMessageRow,
  tickets,
} from "../db/schema/index.js";
import { replySubject } from "./threading.js";

/**
 * How an e-mail the hub sends on a conversation sits in the customer's mail thread: it answers the
 * customer's latest message (In-Reply-To, References), says "Re:" their subject with the ticket's
 * number, and asks for answers at the ticket's reply address, so the customer's next mail finds the
 * ticket again whichever of these their mail program keeps (src/inbound/threading.ts).
 */
export type MailThread = {
  subject: string;
  /** The ticket's reply token: the connector makes the Reply-To address of it and the account's domain. */
  replyToken?: string | undefined;
  inReplyTo?: string | undefined;
  references: string[];
  /** Acknowledgements and dialogue questions are automatic answers (RFC 3834 Auto-Submitted). */
  automatic: boolean;
};

const maxReferences = 20;

export async function mailThreadOf(db: Database, row: OutboundMessageRow): Promise<MailThread> {
  const [ticket] = row.ticketId
    ? await db
        .select({ replyToken: conversationTickets.replyToken, number: tickets.number })
        .from(conversationTickets)
        .innerJoin(tickets, eq(tickets.id, conversationTickets.ticketId))
        .where(
          and(eq(conversationTickets.tenantId, row.tenantId), eq(conversationTickets.ticketId, row.ticketId)),
        )
    : [];
  const [parent] = await db
    .select({ messageId: inboundMessages.providerMessageId, hints: inboundMessages.threadHints })
    .from(inboundMessages)
    .where(
      and(
        eq(inboundMessages.conversationId, row.conversationId),
        row.ticketId ? eq(inboundMessages.ticketId, row.ticketId) : undefined,
      ),
    )
    .orderBy(desc(inboundMessages.createdAt))
    .limit(1);
  // A message that came without a Message-ID has a made-up one, which names nothing to answer.
  const parentId = parent && /^<[^<>\s]+>$/.test(parent.messageId) ? parent.messageId : undefined;
  const references = [...new Set([...(parent?.hints?.references ?? []), ...(parentId ? [parentId] : [])])];
  const subject = replySubject(parent?.hints?.subject, ticket ? String(ticket.number) : undefined);
  return {
    subject: subject || (row.text.split("\n")[0] ?? "").slice(0, 120),
    replyToken: ticket?.replyToken ?? undefined,
    inReplyTo: parentId,
    references: references.slice(-maxReferences),
    automatic: row.kind !== "reply",
  };
}
