import type { SQL } from "drizzle-orm";

/**
 * Whether an approval-type step may be passed: an approved approval for this journey exists. A
 * boolean SQL expression over the journey's tenant and id, read inside the advancing statement, so
 * the check and the advance are one round trip. The approvals module provides it
 * (src/rail/journeyApprovals.ts).
 */
export type ApprovalGate = {
  approvedSql(tenantId: SQL, journeyId: SQL): SQL;
  /** What a refused approval step is told (the 409's message). */
  refusal(stepId: string): string;
};

/** A deadline of a journey that a delayed job should look at when it falls due. */
export type JourneyDeadline = { kind: "step"; stepIndex: number; at: Date } | { kind: "sla"; at: Date };

/**
 * Schedules the check of a journey's deadline. Called after the commit that set it; the check
 * re-reads PostgreSQL, where the deadline is stored, so a lost or late job only delays the mark
 * (the deadline sweeper finds it) and a job for a step that moved on changes nothing.
 */
export type DeadlineScheduler = {
  schedule(tenantId: string, journeyId: string, deadlines: readonly JourneyDeadline[]): Promise<void>;
};
