import { and, eq, inArray, sql } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { claims, comments, conversationTickets, events, tickets } from "../../db/schema/index.js";
import { formatRupiah } from "../../inbound/claimDialogue/prompts.js";
import { isTicketTrigger, type TicketTriggerKind, type Triggering, triggersOf } from "./triggerKinds.js";

/** A triggering event with the ticket it is about, as one read gives them. */
type TicketEvent = {
  id: string;
  tenantId: string;
  type: string;
  actorType: string;
  payload: Record<string, unknown>;
  ticketNumber: number;
  title: string;
  customerId: string;
  claimMedia: string | null;
  claimAmount: number | null;
  /** A comment event's comment: what the agent wrote, and their name. */
  commentText: string | null;
  commentAuthor: string | null;
  /** A conversation opened the ticket: its customer is answered on the conversation's channel. */
  fromConversation: boolean;
};

/**
 * The triggers a batch's ticket events fire, with each one's data. What customers do themselves on
 * a channel was answered there (the router's acknowledgement); an agent's reply on a conversation's
 * ticket goes back on its channel (conversation replies): neither notifies.
 */
export async function ticketTriggerings(tx: Tx, ids: readonly string[]): Promise<Triggering[]> {
  const fired: Triggering[] = [];
  for (const event of await ticketEventsOf(tx, ids)) {
    if (event.actorType === "customer") continue;
    for (const kind of triggersOf(event.type, event.payload).filter(isTicketTrigger)) {
      if (kind === "ticket.agent_replied" && (event.fromConversation || event.commentText === null)) continue;
      fired.push({
        eventId: event.id,
        tenantId: event.tenantId,
        kind,
        recipient: { type: "customer", id: event.customerId },
        data: dataOf(kind, event),
      });
    }
  }
  return fired;
}

/** The events with their tickets (and a claim's fields, a comment's text and author). */
async function ticketEventsOf(tx: Tx, ids: readonly string[]): Promise<TicketEvent[]> {
  return tx
    .select({
      id: events.id,
      tenantId: events.tenantId,
      type: events.type,
      actorType: events.actorType,
      payload: events.payload,
      ticketNumber: tickets.number,
      title: tickets.title,
      customerId: tickets.customerId,
      claimMedia: claims.mediaTransaksi,
      claimAmount: claims.nominal,
      commentText: comments.content,
      commentAuthor: comments.authorName,
      fromConversation: sql<boolean>`${conversationTickets.ticketId} IS NOT NULL`,
    })
    .from(events)
    .innerJoin(tickets, and(eq(tickets.id, events.subjectId), eq(tickets.tenantId, events.tenantId)))
    .leftJoin(claims, eq(claims.ticketId, tickets.id))
    .leftJoin(
      comments,
      and(eq(comments.id, sql`${events.payload}->>'commentId'`), eq(comments.tenantId, events.tenantId)),
    )
    .leftJoin(conversationTickets, eq(conversationTickets.ticketId, tickets.id))
    .where(and(inArray(events.id, [...ids]), eq(events.subjectType, "ticket")));
}

/** The template variables a trigger fills from its event and ticket (triggerKinds.ts `gives`). */
function dataOf(kind: TicketTriggerKind, event: TicketEvent): Record<string, unknown> {
  const ticketNumber = String(event.ticketNumber);
  switch (kind) {
    case "ticket.created":
      return { ticketNumber, title: event.title };
    case "claim.created":
      return {
        ticketNumber,
        ...(event.claimMedia ? { transactionMedia: event.claimMedia } : {}),
        ...(event.claimAmount !== null ? { amount: formatRupiah(event.claimAmount) } : {}),
      };
    case "ticket.agent_replied":
      return {
        ticketNumber,
        message: event.commentText,
        ...(event.commentAuthor ? { agentName: event.commentAuthor } : {}),
      };
    case "ticket.status_changed":
      return {
        ticketNumber,
        newStatus: event.payload.newStatus,
        ...(typeof event.payload.oldStatus === "string" ? { oldStatus: event.payload.oldStatus } : {}),
      };
  }
}
