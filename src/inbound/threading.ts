import type { TicketRow } from "../db/schema/index.js";
import type { ThreadHints } from "./message.js";

/**
 * Where a customer's new message goes, given the ticket their conversation last fed:
 * - join: the ticket is open (any status but RESOLVED, CLOSED, CANCELLED): a comment on it;
 * - reopen: it was resolved less than `reopenWindowMs` ago: back to IN_PROGRESS, then the comment;
 * - new: no ticket, or one closed, cancelled, or resolved longer ago: a new ticket.
 */
export type ThreadDecision = "join" | "reopen" | "new";

export function threadDecision(
  ticket: Pick<TicketRow, "status" | "resolvedAt" | "updatedAt"> | undefined,
  now: Date,
  reopenWindowMs: number,
): ThreadDecision {
  if (!ticket) return "new";
  switch (ticket.status) {
    case "OPEN":
    case "IN_PROGRESS":
    case "ON_HOLD":
    case "PENDING":
      return "join";
    case "RESOLVED": {
      const resolvedAt = ticket.resolvedAt ?? ticket.updatedAt;
      return now.getTime() - resolvedAt.getTime() < reopenWindowMs ? "reopen" : "new";
    }
    case "CLOSED":
    case "CANCELLED":
      return "new";
  }
}

/** A reference a message makes to an earlier thread (e-mail), in the order the router tries them. */
export type ThreadReference =
  | { kind: "replyToken"; token: string }
  | { kind: "messageId"; id: string }
  | { kind: "ticketNumber"; number: string };

/**
 * A message's references, strongest first: the per-ticket reply address (unguessable, and kept by
 * every mail program), then In-Reply-To, then References newest first (the nearest ancestor names
 * the thread best), then a ticket number in the subject (guessable: it only ever joins a thread of
 * the same customer, as every reference does).
 */
export function threadReferences(hints: ThreadHints | null | undefined): ThreadReference[] {
  if (!hints) return [];
  const refs: ThreadReference[] = [];
  if (hints.replyToken) refs.push({ kind: "replyToken", token: hints.replyToken });
  const ids = [...(hints.inReplyTo ?? []), ...[...(hints.references ?? [])].reverse()];
  for (const id of new Set(ids)) refs.push({ kind: "messageId", id });
  if (hints.ticketNumber) refs.push({ kind: "ticketNumber", number: hints.ticketNumber });
  return refs;
}

// "[#12345]" as the hub writes it, "#12345", "Tiket 12345", "ticket no. 12345", "nomor tiket 12345".
const ticketInSubject = /(?:#|\b(?:tiket|ticket)\s*(?:no\.?|nomor|number|nr\.?)?\s*#?\s*)(\d{1,16})\b/i;

/** The ticket number a subject names, if it names one. */
export function ticketNumberInSubject(subject: string): string | undefined {
  return ticketInSubject.exec(subject)?.[1];
}

/** "Re:", and its German, Nordic and Indonesian twins, at the start of a subject. */
export function isReplySubject(subject: string): boolean {
  return /^\s*(re|aw|sv|bls|balas)\s*:/i.test(subject);
}

/** A reply's subject: "Re: " the customer's (once), tagged with the ticket's number unless it names it. */
export function replySubject(subject: string | undefined, ticketNumber: string | undefined): string {
  const base = subject?.trim() ? subject.trim() : "";
  const re = base === "" || isReplySubject(base) ? base : `Re: ${base}`;
  if (!ticketNumber || ticketNumberInSubject(re) === ticketNumber) return re;
  return re === "" ? `[#${ticketNumber}]` : `${re} [#${ticketNumber}]`;
}
