import { and, asc, count, desc, eq, type SQL } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import {
  type JourneyRow,
  type JourneyStepRow,
  type JourneyTemplateVersionRow,
  journeyStepHistory,
  journeys,
} from "../../db/schema/index.js";
import { type Actor, eventTypes } from "../../events/catalog.js";
import { newId } from "../../ids.js";
import { maskCardNumbers, maskCardNumbersDeep } from "../../privacy/cardNumbers.js";
import { findTemplate, findTemplateVersion } from "../templates/service.js";
import type { TemplateStep } from "../templates/vocabulary.js";
import { recordJourneyEvent } from "./events.js";
import { isAllowed, type JourneyAction, nextStatus } from "./lifecycle.js";
import type { ApprovalGate, DeadlineScheduler, JourneyDeadline } from "./ports.js";
import type {
  AssigneeType,
  CompletionOutcome,
  JourneyPriority,
  JourneyStatus,
  StepOutcome,
} from "./vocabulary.js";

export type JourneyDeps = { db: Database; approvals: ApprovalGate; deadlines: DeadlineScheduler };
/** Who changes a journey: the tenant, and the API key that called. */
export type JourneyContext = { tenantId: string; keyId: string };

/** A journey with the template version it runs on. */
export type Journey = { row: JourneyRow; version: JourneyTemplateVersionRow };

export type JourneyFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "template_not_found"; templateId: string }
  | { ok: false; reason: "template_not_active"; templateId: string; status: string }
  | { ok: false; reason: "invalid_move"; action: JourneyAction; from: JourneyStatus }
  | { ok: false; reason: "no_current_step" }
  | { ok: false; reason: "not_current_step"; stepId: string; currentStepId: string }
  | { ok: false; reason: "required_step_skipped"; stepId: string }
  | { ok: false; reason: "approval_missing"; stepId: string }
  | { ok: false; reason: "required_steps_left"; stepIds: string[] };
export type JourneyResult = { ok: true; journey: Journey } | JourneyFailure;

const hourMs = 3600_000;
const addHours = (from: Date, hours: number | null | undefined) =>
  hours ? new Date(from.getTime() + hours * hourMs) : null;

/** The person a body names, else the key: the actor events record. */
const actorFor = (ctx: JourneyContext, userId?: string): Actor =>
  userId ? { type: "agent", id: userId } : { type: "api_key", id: ctx.keyId };

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
  const result = await deps.db.transaction(async (tx): Promise<JourneyResult> => {
    const template = await findTemplate(tx, ctx.tenantId, input.templateId);
    if (!template) return { ok: false, reason: "template_not_found", templateId: input.templateId };
    if (template.row.status !== "active")
      return {
        ok: false,
        reason: "template_not_active",
        templateId: input.templateId,
        status: template.row.status,
      };
    const { version } = template;
    const now = new Date();
    const [row] = await tx
      .insert(journeys)
      .values({
        id: newId("journey"),
        tenantId: ctx.tenantId,
        templateId: version.templateId,
        templateVersion: version.version,
        customerId: input.customerId,
        channel: input.channel ?? null,
        context: maskCardNumbersDeep(input.context ?? {}),
        assigneeId: input.assigneeId ?? null,
        assigneeType: input.assigneeId ? "user" : null,
        priority: input.priority ?? "normal",
        dueAt: input.dueAt ?? null,
        stepDueAt: addHours(now, version.steps[0]?.timeoutHours),
        slaDueAt: addHours(now, version.slaHours),
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    if (!row) throw new Error("journey insert returned no row");
    await recordJourneyEvent(tx, row, {
      type: eventTypes.journeyCreated,
      actor: actorFor(ctx),
      payload: {
        templateVersion: row.templateVersion,
        customerId: row.customerId,
        assigneeId: row.assigneeId,
        priority: row.priority,
        totalSteps: version.steps.length,
      },
      occurredAt: now,
    });
    return { ok: true, journey: { row, version } };
  });
  if (result.ok) await scheduleDeadlines(deps, result.journey.row, true);
  return result;
}

/** The deadlines a change set, handed to the scheduler after the commit. */
async function scheduleDeadlines(deps: JourneyDeps, row: JourneyRow, withSla: boolean): Promise<void> {
  const deadlines: JourneyDeadline[] = [];
  if (row.stepDueAt) deadlines.push({ kind: "step", stepIndex: row.currentStepIndex, at: row.stepDueAt });
  if (withSla && row.slaDueAt) deadlines.push({ kind: "sla", at: row.slaDueAt });
  if (deadlines.length > 0) await deps.deadlines.schedule(row.tenantId, row.id, deadlines);
}

export async function findJourney(
  db: Database | Tx,
  tenantId: string,
  id: string,
): Promise<Journey | undefined> {
  const [row] = await db
    .select()
    .from(journeys)
    .where(and(eq(journeys.tenantId, tenantId), eq(journeys.id, id)));
  if (!row) return undefined;
  const version = await findTemplateVersion(db, tenantId, row.templateId, row.templateVersion);
  if (!version) throw new Error(`journey ${row.id} names a template version that does not exist`);
  return { row, version };
}

export async function journeyHistory(db: Database, journey: JourneyRow): Promise<JourneyStepRow[]> {
  return db
    .select()
    .from(journeyStepHistory)
    .where(
      and(eq(journeyStepHistory.tenantId, journey.tenantId), eq(journeyStepHistory.journeyId, journey.id)),
    )
    .orderBy(asc(journeyStepHistory.advancedAt), asc(journeyStepHistory.id));
}

export type JourneyFilter = {
  status?: JourneyStatus | undefined;
  templateId?: string | undefined;
  customerId?: string | undefined;
  assigneeId?: string | undefined;
};

/** A page of the tenant's journeys, newest first, each with its template version. */
export async function listJourneys(
  db: Database,
  tenantId: string,
  filter: JourneyFilter,
  window: { limit: number; offset: number },
): Promise<{ items: Journey[]; total: number }> {
  const conditions: SQL[] = [eq(journeys.tenantId, tenantId)];
  if (filter.status) conditions.push(eq(journeys.status, filter.status));
  if (filter.templateId) conditions.push(eq(journeys.templateId, filter.templateId));
  if (filter.customerId) conditions.push(eq(journeys.customerId, filter.customerId));
  if (filter.assigneeId) conditions.push(eq(journeys.assigneeId, filter.assigneeId));
  const where = and(...conditions);
  const [rows, [totals]] = await Promise.all([
    db
      .select()
      .from(journeys)
      .where(where)
      .orderBy(desc(journeys.createdAt), desc(journeys.id))
      .limit(window.limit)
      .offset(window.offset),
    db.select({ total: count() }).from(journeys).where(where),
  ]);
  const versions = new Map<string, JourneyTemplateVersionRow>();
  const items: Journey[] = [];
  for (const row of rows) {
    const key = `${row.templateId}\u0000${row.templateVersion}`;
    let version = versions.get(key);
    if (!version) {
      version = await findTemplateVersion(db, tenantId, row.templateId, row.templateVersion);
      if (!version) throw new Error(`journey ${row.id} names a template version that does not exist`);
      versions.set(key, version);
    }
    items.push({ row, version });
  }
  return { items, total: totals?.total ?? 0 };
}

/**
 * Runs one action on a journey inside one transaction, with the journey row locked: concurrent
 * actions on one journey take turns, and each sees what the one before it did. Refuses an action
 * the journey's status does not allow before `change` sees it.
 */
async function act(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  action: JourneyAction,
  change: (tx: Tx, journey: Journey, now: Date) => Promise<JourneyResult>,
): Promise<JourneyResult> {
  return deps.db.transaction(async (tx): Promise<JourneyResult> => {
    const [row] = await tx
      .select()
      .from(journeys)
      .where(and(eq(journeys.tenantId, ctx.tenantId), eq(journeys.id, id)))
      .for("update");
    if (!row) return { ok: false, reason: "not_found" };
    if (!isAllowed(action, row.status))
      return { ok: false, reason: "invalid_move", action, from: row.status };
    const version = await findTemplateVersion(tx, ctx.tenantId, row.templateId, row.templateVersion);
    if (!version) throw new Error(`journey ${row.id} names a template version that does not exist`);
    return change(tx, { row, version }, new Date());
  });
}

async function save(tx: Tx, row: JourneyRow, set: Partial<JourneyRow>): Promise<JourneyRow> {
  const [updated] = await tx
    .update(journeys)
    .set(set)
    .where(and(eq(journeys.tenantId, row.tenantId), eq(journeys.id, row.id)))
    .returning();
  if (!updated) throw new Error("journey update returned no row");
  return updated;
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
  const result = await act(deps, ctx, id, "advance", async (tx, { row, version }, now) => {
    const step: TemplateStep | undefined = version.steps[row.currentStepIndex];
    if (!step) return { ok: false, reason: "no_current_step" };
    if (step.id !== input.completedStepId)
      return { ok: false, reason: "not_current_step", stepId: input.completedStepId, currentStepId: step.id };
    if (input.stepOutcome === "skipped" && step.required)
      return { ok: false, reason: "required_step_skipped", stepId: step.id };
    if (
      input.stepOutcome === "passed" &&
      step.type === "approval" &&
      !(await deps.approvals.hasApproved(tx, ctx.tenantId, row.id))
    )
      return { ok: false, reason: "approval_missing", stepId: step.id };

    await tx.insert(journeyStepHistory).values({
      id: newId("journeyStep"),
      tenantId: ctx.tenantId,
      journeyId: row.id,
      stepId: step.id,
      stepIndex: row.currentStepIndex,
      outcome: input.stepOutcome,
      stepData: maskCardNumbersDeep(input.stepData ?? {}),
      advancedBy: input.advancedBy,
      advancedAt: now,
    });
    const movesOn = input.stepOutcome !== "failed";
    const nextIndex = row.currentStepIndex + 1;
    const updated = await save(
      tx,
      row,
      movesOn
        ? {
            status: nextStatus("advance"),
            currentStepIndex: nextIndex,
            completedSteps: row.completedSteps + 1,
            stepDueAt: addHours(now, version.steps[nextIndex]?.timeoutHours),
            stepOverdueAt: null,
            updatedAt: now,
          }
        : { updatedAt: now },
    );
    await recordJourneyEvent(tx, row, {
      type: eventTypes.journeyAdvanced,
      actor: actorFor(ctx, input.advancedBy),
      payload: {
        stepId: step.id,
        stepIndex: row.currentStepIndex,
        outcome: input.stepOutcome,
        fromStatus: row.status,
        status: updated.status,
        currentStepIndex: updated.currentStepIndex,
        nextStepId: movesOn ? (version.steps[nextIndex]?.id ?? null) : step.id,
        completedSteps: updated.completedSteps,
        totalSteps: version.steps.length,
        advancedBy: input.advancedBy,
      },
      occurredAt: now,
    });
    return { ok: true, journey: { row: updated, version } };
  });
  if (result.ok && input.stepOutcome !== "failed") await scheduleDeadlines(deps, result.journey.row, false);
  return result;
}

export type Assignment = {
  assigneeId: string;
  assigneeType?: AssigneeType | undefined;
  reason?: string | undefined;
  notifyAssignee?: boolean | undefined;
};

/** Assigns an in-progress journey (→ assigned) or reassigns an assigned one. */
export function assignJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Assignment,
): Promise<JourneyResult> {
  return act(deps, ctx, id, "assign", async (tx, { row, version }, now) => {
    const updated = await save(tx, row, {
      status: nextStatus("assign"),
      assigneeId: input.assigneeId,
      assigneeType: input.assigneeType ?? "user",
      assignmentReason: input.reason === undefined ? null : maskCardNumbers(input.reason),
      updatedAt: now,
    });
    await recordJourneyEvent(tx, row, {
      type: eventTypes.journeyAssigned,
      actor: actorFor(ctx),
      // The reason is free text and stays on the journey; notifyAssignee is for the notifications issue.
      payload: {
        assigneeId: updated.assigneeId,
        assigneeType: updated.assigneeType,
        previousAssigneeId: row.assigneeId,
        fromStatus: row.status,
        notifyAssignee: input.notifyAssignee ?? false,
      },
      occurredAt: now,
    });
    return { ok: true, journey: { row: updated, version } };
  });
}

export type Completion = {
  completionNotes?: string | undefined;
  completedBy: string;
  outcome?: CompletionOutcome | undefined;
};

/** Completes an in-progress journey whose required steps are all done. */
export function completeJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Completion,
): Promise<JourneyResult> {
  return act(deps, ctx, id, "complete", async (tx, { row, version }, now) => {
    const left = version.steps.slice(row.currentStepIndex).filter((s) => s.required);
    if (left.length > 0) return { ok: false, reason: "required_steps_left", stepIds: left.map((s) => s.id) };
    const updated = await save(tx, row, {
      status: nextStatus("complete"),
      completionNotes: input.completionNotes === undefined ? null : maskCardNumbers(input.completionNotes),
      completedBy: input.completedBy,
      outcome: input.outcome ?? "success",
      updatedAt: now,
    });
    await recordJourneyEvent(tx, row, {
      type: eventTypes.journeyCompleted,
      actor: actorFor(ctx, input.completedBy),
      payload: {
        outcome: updated.outcome,
        completedBy: input.completedBy,
        completedSteps: updated.completedSteps,
        totalSteps: version.steps.length,
      },
      occurredAt: now,
    });
    return { ok: true, journey: { row: updated, version } };
  });
}

export type Cancellation = { cancellationReason: string; cancelledBy: string };

/** Cancels a journey that is created, in progress or assigned. */
export function cancelJourney(
  deps: JourneyDeps,
  ctx: JourneyContext,
  id: string,
  input: Cancellation,
): Promise<JourneyResult> {
  return act(deps, ctx, id, "cancel", async (tx, { row, version }, now) => {
    const updated = await save(tx, row, {
      status: nextStatus("cancel"),
      cancellationReason: maskCardNumbers(input.cancellationReason),
      cancelledBy: input.cancelledBy,
      updatedAt: now,
    });
    await recordJourneyEvent(tx, row, {
      type: eventTypes.journeyCancelled,
      actor: actorFor(ctx, input.cancelledBy),
      // The reason is free text and stays on the journey.
      payload: {
        fromStatus: row.status,
        cancelledBy: input.cancelledBy,
        currentStepIndex: row.currentStepIndex,
      },
      occurredAt: now,
    });
    return { ok: true, journey: { row: updated, version } };
  });
}
