import type { TicketStatus } from "./vocabulary.js";

/**
 * The ticket lifecycle, written down once. An agent may move a ticket along any edge; a partner
 * (the service-desk API, acting for the customer) only along the edges marked for partners:
 * withdrawing a request (CANCELLED) and handing a ticket that waited on the customer back to
 * the desk (PENDING → IN_PROGRESS). RESOLVED, CLOSED and CANCELLED are final for partners.
 */
export const transitions: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ["IN_PROGRESS", "ON_HOLD", "PENDING", "RESOLVED", "CANCELLED"],
  IN_PROGRESS: ["ON_HOLD", "PENDING", "RESOLVED", "CANCELLED"],
  ON_HOLD: ["IN_PROGRESS", "PENDING", "RESOLVED", "CANCELLED"],
  PENDING: ["IN_PROGRESS", "ON_HOLD", "RESOLVED", "CANCELLED"],
  RESOLVED: ["CLOSED", "IN_PROGRESS"],
  CLOSED: [],
  CANCELLED: [],
};

const partnerTransitions: Record<TicketStatus, readonly TicketStatus[]> = {
  OPEN: ["CANCELLED"],
  IN_PROGRESS: ["CANCELLED"],
  ON_HOLD: ["CANCELLED"],
  PENDING: ["IN_PROGRESS", "CANCELLED"],
  RESOLVED: [],
  CLOSED: [],
  CANCELLED: [],
};

export type TransitionActor = "agent" | "partner";

export function canTransition(actor: TransitionActor, from: TicketStatus, to: TicketStatus): boolean {
  return (actor === "agent" ? transitions : partnerTransitions)[from].includes(to);
}
