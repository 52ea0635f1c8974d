import type { StatementValues } from "../../db/client.js";
import type { JourneyRow } from "../../db/schema/index.js";
import { type Actor, type EventType, eventTypes } from "../../events/catalog.js";
import { eventInsertValues } from "../../events/writer.js";
import { newId } from "../../ids.js";
import { maskCardNumbers, maskCardNumbersDeep } from "../../privacy/cardNumbers.js";
import { type StaffKind, type StaffReference, type StaffState, staffProblem } from "../../users/staff.js";
import { type JourneyAction, nextStatus, statusesAllowing } from "./lifecycle.js";
import type { JourneyDeadline } from "./ports.js";
import {
  type JourneyContext,
  type JourneyDeps,
  type JourneyFailure,
  type JourneyResult,
  withVersion,
} from "./service.js";
import {
  type ActionAnswer,
  advanceStatement,
  type CreateAnswer,
  journeyRowOf,
  journeyStatements,
} from "./statements.js";
import type {
  AssigneeType,
  CompletionOutcome,
  JourneyPriority,
  JourneyStatus,
  StepOutcome,
} from "./vocabulary.js";

/** The named staff member when one acts, else the key: the actor events record. */
const actorFor = (ctx: JourneyContext, userId?: string): Actor =>
  userId ? { type: "user", id: userId } : { type: "api_key", id: ctx.keyId };

/** The values of an action's event (group `e`); the statement adds the journey's part. */
function eventValues(ctx: JourneyContext, type: EventType, actor: Actor, now: Date, payload: object) {
  return eventInsertValues({
    tenantId: ctx.tenantId,
    type,
    subjectType: "journey",
    actor,
    payload: payload as Record<string, unknown>,
    occurredAt: now,
  });
}

/** The refusal of a staff member the request names, if their state does not let them act. */
function staffRefusal(ref: StaffReference, state: StaffState): JourneyFailure | undefined {
  const problem = staffProblem(ref, state);
  return problem ? { ok: false, reason: "staff_refused", field: ref.field, problem } : undefined;
}

/** The deadlines a change set, handed to the scheduler after the commit. */
async function scheduleDeadlines(deps: JourneyDeps, row: JourneyRow, withSla: boolean): Promise<void> {
  const deadlines: JourneyDeadline[] = [];
  if (row.stepDueAt) deadlines.push({ kind: "step", stepIndex: row.currentStepIndex, at: row.stepDueAt });
  if (withSla && row.slaDueAt) deadlines.push({ kind: "sla", at: row.slaDueAt });
  if (deadlines.length > 0) await deps.deadlines.schedule(row.tenantId, row.id, deadlines);
}

export type NewJourney = {
  templateId: string;
  customerId: string;
  channel?: string | undefined;
  context?: Record<string, unknown> | undefined;
  assigneeId?: string | undefined;
  priority?: JourneyPriority | undefined;
  dueAt?: Date | undefined;
};

/** A new journey on the current version of an active template, at its first step. */
export async function createJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  input: NewJourney,
): Promise<JourneyResult> {
  const now = new Date();
  const id = newId("journey");
  const priority = input.priority ?? "normal";
  const assigneeId = input.assigneeId ?? null;
  const [answer] = await journeyStatements.create<CreateAnswer & Record<string, unknown>>(deps.db, {
    c: {
      id,
      tenant: ctx.tenantId,
      template: input.templateId,
      customer: input.customerId,
      channel: input.channel ?? null,
      context: JSON.stringify(maskCardNumbersDeep(input.context ?? {})),
      assignee: assigneeId,
      priority,
      due: input.dueAt?.toISOString() ?? null,
      now: now.toISOString(),
    },
    e: eventValues(ctx, eventTypes.journeyCreated, actorFor(ctx), now, {
      customerId: input.customerId,
      assigneeId,
      priority,
    }),
  });
  if (!answer) throw new Error("journey_create answered no row");
  const refused =
    assigneeId === null
      ? undefined
      : staffRefusal({ field: "assigneeId", kind: "user", id: assigneeId }, answer.r_staff);
  if (refused) return refused;
  if (answer.r_template_status === null)
    return { ok: false, reason: "template_not_found", templateId: input.templateId };
  if (answer.id === null)
    return {
      ok: false,
      reason: "template_not_active",
      templateId: input.templateId,
      status: answer.r_template_status,
    };
  const journey = await withVersion(deps.db, journeyRowOf(answer));
  await scheduleDeadlines(deps, journey.row, true);
  return { ok: true, journey };
}

/** The action's shared parameters: who and what it names, and where the lifecycle lets it go. */
function actionValues(
  ctx: JourneyContext,
  id: string,
  action: JourneyAction,
  staff: StaffReference,
  now: Date,
) {
  return {
    tenant: ctx.tenantId,
    id,
    allowed: statusesAllowing(action).join(","),
    next: nextStatus(action),
    staff: staff.id,
    staff_kind: staff.kind,
    now: now.toISOString(),
  };
}

/**
 * The statement's answer as the action's result: the first refusal that applies (no such journey,
 * then the staff the body names, then the lifecycle and the step), else the journey.
 */
async function settle(
  deps: JourneyDeps,
  action: JourneyAction,
  staff: StaffReference,
  input: { stepId?: string },
  rows: ReadonlyArray<ActionAnswer & Record<string, unknown>>,
): Promise<JourneyResult> {
  const [answer] = rows;
  if (!answer) throw new Error(`journey ${action} answered no row`);
  if (answer.r_status === null) return { ok: false, reason: "not_found" };
  const refused = staffRefusal(staff, answer.r_staff);
  if (refused) return refused;
  const stepId = input.stepId ?? "";
  switch (answer.r_refusal) {
    case null:
      break;
    case "invalid_move":
      return { ok: false, reason: "invalid_move", action, from: answer.r_status as JourneyStatus };
    case "no_current_step":
      return { ok: false, reason: "no_current_step" };
    case "not_current_step":
      return { ok: false, reason: "not_current_step", stepId, currentStepId: answer.r_current_step_id ?? "" };
    case "required_step_skipped":
      return { ok: false, reason: "required_step_skipped", stepId };
    case "approval_missing":
      return { ok: false, reason: "approval_missing", stepId };
    case "required_steps_left":
      return { ok: false, reason: "required_steps_left", stepIds: answer.r_steps_left ?? [] };
    default:
      throw new Error(`journey ${action}: unknown refusal ${answer.r_refusal}`);
  }
  if (answer.id === null) throw new Error(`journey ${action} neither refused nor acted`);
  return { ok: true, journey: await withVersion(deps.db, journeyRowOf(answer)) };
}

export type Advance = {
  completedStepId: string;
  stepOutcome: StepOutcome;
  stepData?: Record<string, unknown> | undefined;
  advancedBy: string;
};

/**
 * Records the outcome of the current step. passed (or skipped, for a step that is not required)
 * moves to the next step and, from created or assigned, to in_progress; failed records the
 * attempt and leaves the journey where it was. An approval step passes only with an approved
 * approval for this journey.
 */
export async function advanceJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Advance,
): Promise<JourneyResult> {
  const now = new Date();
  const staff: StaffReference = { field: "advancedBy", kind: "user", id: input.advancedBy };
  const movesOn = input.stepOutcome !== "failed";
  const values: StatementValues = {
    a: {
      ...actionValues(ctx, id, "advance", staff, now),
      step: input.completedStepId,
      outcome: input.stepOutcome,
      moves: movesOn,
    },
    h: { id: newId("journeyStep"), data: JSON.stringify(maskCardNumbersDeep(input.stepData ?? {})) },
    e: eventValues(ctx, eventTypes.journeyAdvanced, actorFor(ctx, input.advancedBy), now, {
      stepId: input.completedStepId,
      outcome: input.stepOutcome,
      advancedBy: input.advancedBy,
    }),
  };
  const rows = await advanceStatement(deps.approvals)<ActionAnswer & Record<string, unknown>>(
    deps.db,
    values,
  );
  const result = await settle(deps, "advance", staff, { stepId: input.completedStepId }, rows);
  if (result.ok && movesOn) await scheduleDeadlines(deps, result.journey.row, false);
  return result;
}

export type Assignment = {
  assigneeId: string;
  assigneeType?: AssigneeType | undefined;
  reason?: string | undefined;
  notifyAssignee?: boolean | undefined;
};

/** Assigns an in-progress journey (→ assigned) or reassigns an assigned one, to a user or a team. */
export async function assignJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Assignment,
): Promise<JourneyResult> {
  const now = new Date();
  const kind: StaffKind = input.assigneeType ?? "user";
  const staff: StaffReference = { field: "assigneeId", kind, id: input.assigneeId };
  const rows = await journeyStatements.assign<ActionAnswer & Record<string, unknown>>(deps.db, {
    a: {
      ...actionValues(ctx, id, "assign", staff, now),
      reason: input.reason === undefined ? null : maskCardNumbers(input.reason),
    },
    // The reason is free text and stays on the journey; notifyAssignee is for the notifications issue.
    e: eventValues(ctx, eventTypes.journeyAssigned, actorFor(ctx), now, {
      assigneeId: input.assigneeId,
      assigneeType: kind,
      notifyAssignee: input.notifyAssignee ?? false,
    }),
  });
  return settle(deps, "assign", staff, {}, rows);
}

export type Completion = {
  completionNotes?: string | undefined;
  completedBy: string;
  outcome?: CompletionOutcome | undefined;
};

/** Completes an in-progress journey whose required steps are all done. */
export async function completeJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Completion,
): Promise<JourneyResult> {
  const now = new Date();
  const staff: StaffReference = { field: "completedBy", kind: "user", id: input.completedBy };
  const rows = await journeyStatements.complete<ActionAnswer & Record<string, unknown>>(deps.db, {
    a: {
      ...actionValues(ctx, id, "complete", staff, now),
      notes: input.completionNotes === undefined ? null : maskCardNumbers(input.completionNotes),
      outcome: input.outcome ?? "success",
    },
    e: eventValues(ctx, eventTypes.journeyCompleted, actorFor(ctx, input.completedBy), now, {
      completedBy: input.completedBy,
    }),
  });
  return settle(deps, "complete", staff, {}, rows);
}

export type Cancellation = { cancellationReason: string; cancelledBy: string };

/** Cancels a journey that is created, in progress or assigned. */
export async function cancelJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Cancellation,
): Promise<JourneyResult> {
  const now = new Date();
  const staff: StaffReference = { field: "cancelledBy", kind: "user", id: input.cancelledBy };
  const rows = await journeyStatements.cancel<ActionAnswer & Record<string, unknown>>(deps.db, {
    a: {
      ...actionValues(ctx, id, "cancel", staff, now),
      reason: maskCardNumbers(input.cancellationReason),
    },
    // The reason is free text and stays on the journey.
    e: eventValues(ctx, eventTypes.journeyCancelled, actorFor(ctx, input.cancelledBy), now, {
      cancelledBy: input.cancelledBy,
    }),
  });
  return settle(deps, "cancel", staff, {}, rows);
}
