import { and, eq, inArray } from "drizzle-orm";
import type { Tx } from "../../db/client.js";
import { events, journeys, journeyTemplateVersions } from "../../db/schema/index.js";
import { eventTypes } from "../../events/catalog.js";
import type { StepType, TemplateStep } from "../../rail/templates/vocabulary.js";
import type { Triggering } from "./triggerKinds.js";

/** Steps the customer does; the others are the bank's (checks, reviews, approvals, tasks). */
const customerStepTypes: ReadonlySet<StepType> = new Set(["document_upload", "signature", "form"]);

/**
 * The `journey.step_required` triggers a batch's journey events fire: a journey created on, or
 * advanced to, a step the customer does. The step is read from the event and the journey's pinned
 * template version, not from the journey's state now, so two advances relayed together each name
 * their own step. A failed step does not move the journey, and the last step leads nowhere.
 */
export async function journeyTriggerings(tx: Tx, ids: readonly string[]): Promise<Triggering[]> {
  const rows = await tx
    .select({
      id: events.id,
      tenantId: events.tenantId,
      type: events.type,
      payload: events.payload,
      occurredAt: events.occurredAt,
      customerId: journeys.customerId,
      journeyName: journeyTemplateVersions.name,
      steps: journeyTemplateVersions.steps,
    })
    .from(events)
    .innerJoin(journeys, and(eq(journeys.id, events.subjectId), eq(journeys.tenantId, events.tenantId)))
    .innerJoin(
      journeyTemplateVersions,
      and(
        eq(journeyTemplateVersions.tenantId, journeys.tenantId),
        eq(journeyTemplateVersions.templateId, journeys.templateId),
        eq(journeyTemplateVersions.version, journeys.templateVersion),
      ),
    )
    .where(
      and(
        inArray(events.id, [...ids]),
        eq(events.subjectType, "journey"),
        inArray(events.type, [eventTypes.journeyCreated, eventTypes.journeyAdvanced]),
      ),
    );
  const fired: Triggering[] = [];
  for (const row of rows) {
    const step = stepReached(row.type, row.payload, row.steps);
    if (!step || !customerStepTypes.has(step.type)) continue;
    fired.push({
      eventId: row.id,
      tenantId: row.tenantId,
      kind: "journey.step_required",
      recipient: { type: "customer", id: row.customerId },
      data: {
        stepName: step.name,
        journeyName: row.journeyName,
        ...(step.timeoutHours
          ? {
              dueDate: new Date(row.occurredAt.getTime() + step.timeoutHours * 3600_000)
                .toISOString()
                .slice(0, 10),
            }
          : {}),
      },
    });
  }
  return fired;
}

function stepReached(
  type: string,
  payload: Record<string, unknown>,
  steps: readonly TemplateStep[],
): TemplateStep | undefined {
  const ordered = [...steps].sort((a, b) => a.order - b.order);
  if (type === eventTypes.journeyCreated) return ordered[0];
  if (payload.outcome === "failed") return undefined;
  const done = ordered.findIndex((s) => s.id === payload.stepId);
  return done < 0 ? undefined : ordered[done + 1];
}
