/** A journey's states: document 001's "Journey Status" table. The moves are in lifecycle.ts. */
export const journeyStatuses = ["created", "in_progress", "assigned", "completed", "cancelled"] as const;
export type JourneyStatus = (typeof journeyStatuses)[number];

export const journeyPriorities = ["low", "normal", "high", "urgent"] as const;
export type JourneyPriority = (typeof journeyPriorities)[number];

/** passed and skipped move the journey to the next step; failed records the attempt and stays. */
export const stepOutcomes = ["passed", "failed", "skipped"] as const;
export type StepOutcome = (typeof stepOutcomes)[number];

export const assigneeTypes = ["user", "team"] as const;
export type AssigneeType = (typeof assigneeTypes)[number];

export const completionOutcomes = ["success"] as const;
export type CompletionOutcome = (typeof completionOutcomes)[number];
