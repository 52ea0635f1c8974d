import { type EventType, eventTypes } from "../../events/catalog.js";

const fixed: Partial<Record<EventType, string>> = {
  [eventTypes.approvalRequested]: "Approval requested",
  [eventTypes.approvalApproved]: "Approval granted",
  [eventTypes.approvalRejected]: "Approval rejected",
  [eventTypes.delegationGranted]: "Authority delegated",
  [eventTypes.delegationRevoked]: "Delegation revoked",
  [eventTypes.ticketCreated]: "Ticket created",
  [eventTypes.statusChanged]: "Ticket status changed",
  [eventTypes.commentAdded]: "Comment added to ticket",
  [eventTypes.ticketResolved]: "Ticket resolved",
  [eventTypes.ticketClosed]: "Ticket closed",
  [eventTypes.ticketAssigned]: "Ticket assigned",
  [eventTypes.attachmentAdded]: "Attachment added to ticket",
  [eventTypes.slaBreached]: "Ticket SLA breached",
  [eventTypes.customerCreated]: "Customer created",
};

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);

/** The Rail's name of an event type: its webhook name without the `omni.` family prefix. */
export function timelineEventType(type: string): string {
  return type.startsWith("omni.") ? type.slice("omni.".length) : type;
}

/**
 * One line for people reading a timeline. Built from the event's type and ids in its payload only,
 * never from free text, so no personal data reaches it. Types without a line of their own read as
 * their name: `omni.journey.completed` → "Journey completed".
 */
export function timelineSummary(type: string, payload: Record<string, unknown>): string {
  const journey = journeySummary(type, payload);
  if (journey) return journey;
  const known = fixed[type as EventType];
  const ticket = str(payload.ticketNumber);
  const approvalType = str(payload.approvalType);
  if (known && ticket) return `${known}: ${ticket}`;
  if (known && approvalType) return `${known}: ${approvalType.replaceAll("_", " ")}`;
  if (known) return known;
  const words = timelineEventType(type).replaceAll(/[._]/g, " ").toLowerCase().trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A journey event's line: what moved, by ids and outcomes (`Journey advanced: step_kyc passed`). */
function journeySummary(type: string, payload: Record<string, unknown>): string | undefined {
  const step = str(payload.stepId);
  switch (type) {
    case eventTypes.journeyCreated:
      return joined("Journey created", str(payload.templateId));
    case eventTypes.journeyAdvanced:
      return joined("Journey advanced", step && [step, str(payload.outcome)].filter(Boolean).join(" "));
    case eventTypes.journeyAssigned:
      return joined("Journey assigned", str(payload.assigneeId));
    case eventTypes.journeyStepOverdue:
      return joined("Journey step overdue", step);
    default:
      return undefined;
  }
}

const joined = (head: string, detail: string | undefined) => (detail ? `${head}: ${detail}` : head);
