import type { TicketRow } from "../db/schema/index.js";

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
