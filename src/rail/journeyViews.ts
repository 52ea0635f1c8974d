import type { z } from "@hono/zod-openapi";
import type { JourneyStepRow } from "../db/schema/index.js";
import type { journeyDetailSchema, journeySchema } from "./journeySchemas.js";
import type { Journey } from "./journeys/service.js";

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A journey as document 001's responses show it, plus its template version and deadlines. */
export function journeyView({ row, version }: Journey): z.infer<typeof journeySchema> {
  const step = version.steps[row.currentStepIndex];
  return {
    id: row.id,
    status: row.status,
    templateId: row.templateId,
    templateVersion: row.templateVersion,
    customerId: row.customerId,
    channel: row.channel,
    context: row.context,
    currentStepIndex: row.currentStepIndex,
    currentStep: step
      ? { id: step.id, name: step.name, type: step.type, status: row.stepOverdueAt ? "overdue" : "pending" }
      : null,
    totalSteps: version.steps.length,
    completedSteps: row.completedSteps,
    assigneeId: row.assigneeId,
    assigneeType: row.assigneeType,
    priority: row.priority,
    dueAt: iso(row.dueAt),
    stepDueAt: iso(row.stepDueAt),
    slaDueAt: iso(row.slaDueAt),
    slaBreached: row.slaBreachedAt !== null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The journey with every step's state and its step history (failed attempts included). */
export function journeyDetailView(
  journey: Journey,
  history: JourneyStepRow[],
): z.infer<typeof journeyDetailSchema> {
  const { row, version } = journey;
  const base = journeyView(journey);
  const outcomeAt = new Map<number, JourneyStepRow["outcome"]>();
  for (const h of history) if (h.outcome !== "failed") outcomeAt.set(h.stepIndex, h.outcome);
  return {
    ...base,
    steps: version.steps.map((s, i) => ({
      id: s.id,
      name: s.name,
      type: s.type,
      order: s.order,
      required: s.required,
      status:
        i < row.currentStepIndex
          ? outcomeAt.get(i) === "skipped"
            ? "skipped"
            : "passed"
          : i === row.currentStepIndex && base.currentStep
            ? base.currentStep.status
            : "not_started",
    })),
    history: history.map((h) => ({
      stepId: h.stepId,
      stepIndex: h.stepIndex,
      stepOutcome: h.outcome,
      stepData: h.stepData,
      advancedBy: h.advancedBy,
      advancedAt: h.advancedAt.toISOString(),
    })),
    assignmentReason: row.assignmentReason,
    completion:
      row.status === "completed"
        ? { completedBy: row.completedBy, completionNotes: row.completionNotes, outcome: row.outcome }
        : null,
    cancellation:
      row.status === "cancelled"
        ? { cancelledBy: row.cancelledBy, cancellationReason: row.cancellationReason }
        : null,
  };
}
