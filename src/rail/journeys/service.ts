import { and, asc, count, desc, eq, type SQL } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import {
  type JourneyRow,
  type JourneyStepRow,
  type JourneyTemplateVersionRow,
  journeyStepHistory,
  journeys,
} from "../../db/schema/index.js";
import { findTemplateVersion } from "../templates/service.js";
import type { JourneyAction } from "./lifecycle.js";
import type { ApprovalGate, DeadlineScheduler } from "./ports.js";
import type { JourneyStatus } from "./vocabulary.js";

/** What journeys need: the database, the approvals gate of approval steps, and deadline jobs. */
export type JourneyDeps = { db: Database; approvals: ApprovalGate; deadlines: DeadlineScheduler };
/** Who changes a journey: the tenant, and the API key that called. */
export type JourneyContext = { tenantId: string; keyId: string };

/** A journey with the template version it runs on. */
export type Journey = { row: JourneyRow; version: JourneyTemplateVersionRow };

export type JourneyFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "staff_refused"; field: string; problem: string }
  | { ok: false; reason: "template_not_found"; templateId: string }
  | { ok: false; reason: "template_not_active"; templateId: string; status: string }
  | { ok: false; reason: "invalid_move"; action: JourneyAction; from: JourneyStatus }
  | { ok: false; reason: "no_current_step" }
  | { ok: false; reason: "not_current_step"; stepId: string; currentStepId: string }
  | { ok: false; reason: "required_step_skipped"; stepId: string }
  | { ok: false; reason: "approval_missing"; stepId: string }
  | { ok: false; reason: "required_steps_left"; stepIds: string[] };
export type JourneyResult = { ok: true; journey: Journey } | JourneyFailure;

/** The journey row with the template version it runs on (from the process's cache of versions). */
export async function withVersion(db: Database | Tx, row: JourneyRow): Promise<Journey> {
  const version = await findTemplateVersion(db, row.tenantId, row.templateId, row.templateVersion);
  if (!version) throw new Error(`journey ${row.id} names a template version that does not exist`);
  return { row, version };
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
  return row ? withVersion(db, row) : undefined;
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
  // One after the other: a page's journeys mostly share a version, read once and then cached.
  const items: Journey[] = [];
  for (const row of rows) items.push(await withVersion(db, row));
  return { items, total: totals?.total ?? 0 };
}
