import type { JourneyStatus } from "./vocabulary.js";

/**
 * Document 001's journey state diagram, and nothing else:
 *   created → in_progress (advance the first step), in_progress → assigned (assign),
 *   assigned → in_progress (resume: advance), in_progress → completed (all required steps done),
 *   created | in_progress | assigned → cancelled.
 * Reassigning an assigned journey keeps it assigned ("assigns or reassigns").
 */
export const journeyActions = ["advance", "assign", "complete", "cancel"] as const;
export type JourneyAction = (typeof journeyActions)[number];

const allowedFrom: Record<JourneyAction, readonly JourneyStatus[]> = {
  advance: ["created", "in_progress", "assigned"],
  assign: ["in_progress", "assigned"],
  complete: ["in_progress"],
  cancel: ["created", "in_progress", "assigned"],
};

const statusAfter: Record<JourneyAction, JourneyStatus> = {
  advance: "in_progress",
  assign: "assigned",
  complete: "completed",
  cancel: "cancelled",
};

/** The statuses an action may start from. */
export function statusesAllowing(action: JourneyAction): readonly JourneyStatus[] {
  return allowedFrom[action];
}

/** The status a journey has after an action that moved it on. */
export function nextStatus(action: JourneyAction): JourneyStatus {
  return statusAfter[action];
}

/** What a journey in this status may still do. */
export function actionsAllowedIn(status: JourneyStatus): JourneyAction[] {
  return journeyActions.filter((a) => allowedFrom[a].includes(status));
}

/** The 409's message: which state allows this action, and what this state allows instead. */
export function refusalMessage(action: JourneyAction, from: JourneyStatus): string {
  const allowed = actionsAllowedIn(from);
  const instead =
    allowed.length > 0 ? `a ${from} journey allows ${allowed.join(", ")}` : `a ${from} journey is final`;
  return `Cannot ${action} a ${from} journey: ${action} is allowed from ${allowedFrom[action].join(", ")}; ${instead}`;
}
