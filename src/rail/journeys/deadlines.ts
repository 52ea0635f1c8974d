import { and, eq, inArray, isNull, lte, or } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { journeys } from "../../db/schema/index.js";
import { eventTypes } from "../../events/catalog.js";
import { findTemplateVersion } from "../templates/service.js";
import { recordJourneyEvent } from "./events.js";
import type { JourneyStatus } from "./vocabulary.js";

const openStatuses: JourneyStatus[] = ["created", "in_progress", "assigned"];

/**
 * Marks what of one journey is past due at `now`: its current step (timeoutHours) and the journey
 * itself (slaHours), each once, each with its event, in one transaction on the locked row. Reads
 * only PostgreSQL: a job for a step that has since moved on, or for a journey now completed or
 * cancelled, finds nothing due and changes nothing.
 */
export async function markJourneyOverdue(
  db: Database,
  tenantId: string,
  journeyId: string,
  now: Date,
): Promise<{ stepOverdue: boolean; slaBreached: boolean }> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .select()
      .from(journeys)
      .where(and(eq(journeys.tenantId, tenantId), eq(journeys.id, journeyId)))
      .for("update");
    const none = { stepOverdue: false, slaBreached: false };
    if (!row || !openStatuses.includes(row.status)) return none;
    const stepOverdue = row.stepDueAt !== null && row.stepOverdueAt === null && row.stepDueAt <= now;
    const slaBreached = row.slaDueAt !== null && row.slaBreachedAt === null && row.slaDueAt <= now;
    if (!stepOverdue && !slaBreached) return none;
    await tx
      .update(journeys)
      .set({
        ...(stepOverdue ? { stepOverdueAt: now } : {}),
        ...(slaBreached ? { slaBreachedAt: now } : {}),
      })
      .where(eq(journeys.id, row.id));
    if (stepOverdue) {
      const version = await findTemplateVersion(tx, tenantId, row.templateId, row.templateVersion);
      await recordJourneyEvent(tx, row, {
        type: eventTypes.journeyStepOverdue,
        actor: { type: "system" },
        payload: {
          stepId: version?.steps[row.currentStepIndex]?.id ?? null,
          stepIndex: row.currentStepIndex,
          dueAt: row.stepDueAt?.toISOString(),
        },
      });
    }
    if (slaBreached)
      await recordJourneyEvent(tx, row, {
        type: eventTypes.journeySlaBreached,
        actor: { type: "system" },
        payload: { dueAt: row.slaDueAt?.toISOString() },
      });
    return { stepOverdue, slaBreached };
  });
}

/**
 * The safety net under the delayed jobs: open journeys with a deadline past and not yet marked,
 * read from PostgreSQL (partial indexes journeys_step_due_idx and journeys_sla_due_idx), so a job
 * Redis lost, or one never enqueued because Redis was down at the commit, is marked all the same.
 */
export async function sweepJourneyDeadlines(db: Database, now: Date, limit = 500): Promise<number> {
  const open = inArray(journeys.status, openStatuses);
  const due = await db
    .select({ tenantId: journeys.tenantId, id: journeys.id })
    .from(journeys)
    .where(
      or(
        and(lte(journeys.stepDueAt, now), isNull(journeys.stepOverdueAt), open),
        and(lte(journeys.slaDueAt, now), isNull(journeys.slaBreachedAt), open),
      ),
    )
    .limit(limit);
  let marked = 0;
  for (const j of due) {
    const result = await markJourneyOverdue(db, j.tenantId, j.id, now);
    if (result.stepOverdue || result.slaBreached) marked++;
  }
  return marked;
}
