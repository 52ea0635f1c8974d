import { eventTypes } from "../../events/catalog.js";

/**
 * Events that start a transaction on their channel: tickets (claims are tickets), journeys and
 * notifications. The notifications module writes `notification.created` with the channel it sends on.
 */
export const transactionEventTypes: readonly string[] = [
  eventTypes.ticketCreated,
  eventTypes.journeyCreated,
  "notification.created",
];

/** A completed handoff: one cross-channel journey, counted on its target channel. */
export const handoffEventType: string = eventTypes.sessionHandoffCompleted;
