import type { TicketStatus } from "./vocabulary.js";

type Table = Partial<Record<TicketStatus, readonly TicketStatus[]>>;

/**
 * The ticket lifecycle, written down once. An agent may move a ticket along any edge; a partner
 * (the service-desk API, acting for the customer) only along the edges marked for partners:
 * withdrawing a request (CANCELLED) and handing a ticket that waited on the customer back to
 * the desk (PENDING → IN_PROGRESS).
 *
 * A status with no row is final for that actor: nothing about the ticket changes any more, no
 * status, no comment, no attachment (`isFinal`, which every change asks first). So CLOSED and
 * CANCELLED are final for everyone, RESOLVED also for partners, and no row is there that could
 * never be read.
 */
export const transitions = {
  OPEN: ["IN_PROGRESS", "ON_HOLD", "PENDING", "RESOLVED", "CANCELLED"],
  IN_PROGRESS: ["ON_HOLD", "PENDING", "RESOLVED", "CANCELLED"],
  ON_HOLD: ["IN_PROGRESS", "PENDING", "RESOLVED", "CANCELLED"],
  PENDING: ["IN_PROGRESS", "ON_HOLD", "RESOLVED", "CANCELLED"],
  RESOLVED: ["CLOSED", "IN_PROGRESS"],
} as const satisfies Table;

const partnerTransitions = {
  OPEN: ["CANCELLED"],
  IN_PROGRESS: ["CANCELLED"],
  ON_HOLD: ["CANCELLED"],
  PENDING: ["IN_PROGRESS", "CANCELLED"],
} as const satisfies Table;

export type TransitionActor = "agent" | "partner";

function tableOf(actor: TransitionActor): Table {
  return actor === "agent" ? transitions : partnerTransitions;
}

/** Whether the actor may change nothing more about a ticket in this status. */
export function isFinal(actor: TransitionActor, status: TicketStatus): boolean {
  return tableOf(actor)[status] === undefined;
}

export function canTransition(actor: TransitionActor, from: TicketStatus, to: TicketStatus): boolean {
  return tableOf(actor)[from]?.includes(to) ?? false;
}
