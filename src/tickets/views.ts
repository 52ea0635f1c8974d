import type { TicketRow } from "../db/schema/index.js";
import { closedStatuses } from "./vocabulary.js";

/**
 * The SLA as partners see it. isBreached is true once the scan marked a breach, and also between a
 * deadline passing and the next scan, so a partner never reads "not breached" after a deadline.
 */
export function slaView(ticket: TicketRow, now: Date) {
  const open = !closedStatuses.includes(ticket.status);
  const late = (due: Date | null) =>
    open && !ticket.slaPaused && due !== null && due.getTime() < now.getTime();
  const isBreached =
    ticket.responseBreachedAt !== null ||
    ticket.resolutionBreachedAt !== null ||
    (!ticket.firstResponseAt && late(ticket.responseDueAt)) ||
    late(ticket.resolutionDueAt);
  return {
    responseDeadline: ticket.responseDueAt?.toISOString() ?? null,
    resolutionDeadline: ticket.resolutionDueAt?.toISOString() ?? null,
    isBreached,
  };
}

/** Who works the ticket now: the agent when one is assigned, else the team. */
export function currentAssignee(ticket: TicketRow): string | null {
  return ticket.assignedTo ?? ticket.assignedTeam;
}

export function iso(date: Date | null): string | null {
  return date?.toISOString() ?? null;
}
