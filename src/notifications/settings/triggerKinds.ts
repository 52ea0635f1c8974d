import { type EventType, eventTypes } from "../../events/catalog.js";
import type { RecipientType } from "../vocabulary.js";

/**
 * What a tenant's notification trigger reacts to: a kind of domain event about a customer's ticket,
 * claim or journey, or an approval waiting for the tenant's staff. Stored in notification_triggers and shown in the admin API: add, never rename.
 */
export const notificationTriggerKinds = [
  "ticket.created",
  "claim.created",
  "ticket.status_changed",
  "ticket.agent_replied",
  "journey.step_required",
  "approval.requested",
] as const;
export type NotificationTriggerKind = (typeof notificationTriggerKinds)[number];

/** Whose events a trigger reads: one read per family a relayed batch holds. */
export type TriggerFamily = "ticket" | "journey" | "approval";

type TriggerSpec = {
  family: TriggerFamily;
  /** The domain events it reacts to. */
  eventTypes: readonly EventType[];
  /** The template sent unless the tenant names another. */
  defaultTemplate: string;
  /** Whether an event of that type is this trigger's (a claim is a ticket whose event says so). */
  matches(payload: Record<string, unknown>): boolean;
  /** The template variables it fills: a template requiring another cannot be this trigger's. */
  gives: readonly string[];
  description: string;
};

export const triggerSpecs: Record<NotificationTriggerKind, TriggerSpec> = {
  "ticket.created": {
    family: "ticket",
    eventTypes: [eventTypes.ticketCreated],
    defaultTemplate: "TICKET_CREATED",
    matches: (payload) => payload.claim !== true,
    gives: ["ticketNumber", "title"],
    description: "a ticket was opened for the customer",
  },
  "claim.created": {
    family: "ticket",
    eventTypes: [eventTypes.ticketCreated],
    defaultTemplate: "CLAIM_RECEIVED",
    matches: (payload) => payload.claim === true,
    gives: ["ticketNumber", "transactionMedia", "amount"],
    description: "a KLAIM-OMNI claim of the customer was filed",
  },
  "ticket.status_changed": {
    family: "ticket",
    eventTypes: [eventTypes.statusChanged],
    defaultTemplate: "TICKET_STATUS_CHANGED",
    matches: () => true,
    gives: ["ticketNumber", "newStatus", "oldStatus"],
    description: "a ticket of the customer changed status",
  },
  "ticket.agent_replied": {
    family: "ticket",
    eventTypes: [eventTypes.commentAdded],
    defaultTemplate: "AGENT_REPLY",
    // A support comment the customer may read; an internal note or the customer's own is not a reply.
    matches: (payload) => payload.isFromSupport === true && payload.isInternal !== true,
    gives: ["ticketNumber", "message", "agentName"],
    description:
      "an agent answered a ticket the service desk API opened (a conversation's ticket is answered on its channel)",
  },
  "journey.step_required": {
    family: "journey",
    eventTypes: [eventTypes.journeyCreated, eventTypes.journeyAdvanced],
    defaultTemplate: "JOURNEY_STEP_REQUIRED",
    // Whether the step a journey reaches waits for the customer is read from its template.
    matches: () => true,
    gives: ["stepName", "journeyName", "dueDate"],
    description:
      "a journey reached a step the customer does (document_upload, signature, form), when the journey's customer is one of the tenant's customers",
  },
  "approval.requested": {
    family: "approval",
    eventTypes: [eventTypes.approvalRequested],
    defaultTemplate: "APPROVAL_REQUESTED",
    matches: () => true,
    gives: ["approvalType", "requesterName", "expiresAt"],
    description:
      "an approval was requested: each of its approvers (users: in-app, and e-mail at their work address) is notified",
  },
};

/** The triggers that read tickets' events (ticketEvents.ts). */
export type TicketTriggerKind =
  | "ticket.created"
  | "claim.created"
  | "ticket.status_changed"
  | "ticket.agent_replied";

export const isTicketTrigger = (kind: NotificationTriggerKind): kind is TicketTriggerKind =>
  triggerSpecs[kind].family === "ticket";

/** The family whose triggers react to an event type, if any. */
export const familyOfEventType: ReadonlyMap<string, TriggerFamily> = new Map(
  Object.values(triggerSpecs).flatMap((spec) => spec.eventTypes.map((type) => [type, spec.family] as const)),
);

/** The triggers an event of this type and payload fires. */
export function triggersOf(type: string, payload: Record<string, unknown>): NotificationTriggerKind[] {
  return notificationTriggerKinds.filter((kind) => {
    const spec = triggerSpecs[kind];
    return (spec.eventTypes as readonly string[]).includes(type) && spec.matches(payload);
  });
}

/** One trigger an event fired: whom it notifies, and the template variables the trigger fills. */
export type Triggering = {
  eventId: string;
  tenantId: string;
  kind: NotificationTriggerKind;
  /** A customer reference the event's subject names, or a user; notified if the tenant has them. */
  recipient: { type: RecipientType; id: string };
  data: Record<string, unknown>;
};
