import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Database, Tx } from "../../db/client.js";
import { summarizeDatabaseError } from "../../db/errors.js";
import {
  type JourneyTemplateRow,
  type JourneyTemplateVersionRow,
  journeyTemplates,
  journeyTemplateVersions,
} from "../../db/schema/index.js";
import { newId } from "../../ids.js";
import { orderedSteps } from "./steps.js";
import type { TemplateCategory, TemplateStatus, TemplateStep } from "./vocabulary.js";

/** What a template says; a new version is a new one of these. Steps were checked by stepProblems. */
export type TemplateDefinition = {
  name: string;
  description?: string | undefined;
  category: TemplateCategory;
  steps: TemplateStep[];
  estimatedDurationDays?: number | undefined;
  slaHours?: number | undefined;
};

/** A template with the definition of its current version. */
export type Template = { row: JourneyTemplateRow; version: JourneyTemplateVersionRow };

export type TemplateFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "id_taken"; id: string }
  | { ok: false; reason: "archived" }
  | { ok: false; reason: "invalid_status_move"; from: TemplateStatus; to: TemplateStatus };
export type TemplateResult = { ok: true; template: Template } | TemplateFailure;

/** The only status moves a template makes. */
const statusMoves: Record<TemplateStatus, readonly TemplateStatus[]> = {
  draft: ["active"],
  active: ["archived"],
  archived: [],
};

export function allowedStatusMoves(from: TemplateStatus): readonly TemplateStatus[] {
  return statusMoves[from];
}

function versionValues(tenantId: string, templateId: string, version: number, def: TemplateDefinition) {
  return {
    tenantId,
    templateId,
    version,
    name: def.name,
    description: def.description ?? null,
    category: def.category,
    steps: orderedSteps(def.steps),
    estimatedDurationDays: def.estimatedDurationDays ?? null,
    slaHours: def.slaHours ?? null,
  };
}

/** A new draft template (version 1). The id is the caller's when given, else generated. */
export async function createTemplate(
  db: Database,
  tenantId: string,
  def: TemplateDefinition & { id?: string | undefined },
): Promise<TemplateResult> {
  const id = def.id ?? newId("journeyTemplate");
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx.insert(journeyTemplates).values({ tenantId, id }).returning();
      const [version] = await tx
        .insert(journeyTemplateVersions)
        .values(versionValues(tenantId, id, 1, def))
        .returning();
      if (!row || !version) throw new Error("template insert returned no row");
      return { ok: true, template: { row, version } } as const;
    });
  } catch (err) {
    if (summarizeDatabaseError(err)?.code === "23505") return { ok: false, reason: "id_taken", id };
    throw err;
  }
}

/** Each template with the definition of its current version: the one way to read that pair. */
const currentVersionJoin = and(
  eq(journeyTemplateVersions.tenantId, journeyTemplates.tenantId),
  eq(journeyTemplateVersions.templateId, journeyTemplates.id),
  eq(journeyTemplateVersions.version, journeyTemplates.currentVersion),
);

function templatesWhere(db: Database | Tx, where: SQL | undefined) {
  return db
    .select()
    .from(journeyTemplates)
    .innerJoin(journeyTemplateVersions, currentVersionJoin)
    .where(where)
    .orderBy(asc(journeyTemplates.createdAt), asc(journeyTemplates.id));
}

type TemplateJoinRow = {
  journey_templates: JourneyTemplateRow;
  journey_template_versions: JourneyTemplateVersionRow;
};
const asTemplate = (r: TemplateJoinRow): Template => ({
  row: r.journey_templates,
  version: r.journey_template_versions,
});

/** A template at its current version; `lock` holds the template row for the caller's transaction. */
export async function findTemplate(
  db: Database | Tx,
  tenantId: string,
  id: string,
  lock = false,
): Promise<Template | undefined> {
  const query = templatesWhere(db, and(eq(journeyTemplates.tenantId, tenantId), eq(journeyTemplates.id, id)));
  const [row] = lock ? await query.for("update", { of: journeyTemplates }) : await query;
  return row ? asTemplate(row) : undefined;
}

/**
 * Versions journeys run on, by tenant, template and version. A journey only ever starts on an
 * active template's version, and such a version never changes again (only drafts are edited in
 * place, and a template never returns to draft), so every process may keep them. Bounded: the
 * oldest entry goes first.
 */
const journeyVersions = new Map<string, JourneyTemplateVersionRow>();
const journeyVersionsMax = 10_000;

/**
 * One version of a template, as a journey that started on it reads it (through this cache; the
 * journey action statements read the version's steps in SQL, in the same round trip).
 */
export async function findTemplateVersion(
  db: Database | Tx,
  tenantId: string,
  templateId: string,
  version: number,
): Promise<JourneyTemplateVersionRow | undefined> {
  const key = `${tenantId}\u0000${templateId}\u0000${version}`;
  const known = journeyVersions.get(key);
  if (known) return known;
  const row = await readTemplateVersion(db, tenantId, templateId, version);
  if (row) {
    if (journeyVersions.size >= journeyVersionsMax) {
      const oldest = journeyVersions.keys().next().value;
      if (oldest !== undefined) journeyVersions.delete(oldest);
    }
    journeyVersions.set(key, row);
  }
  return row;
}

/** The one read of a given version; the current version of a template is read by templatesWhere. */
async function readTemplateVersion(
  db: Database | Tx,
  tenantId: string,
  templateId: string,
  version: number,
): Promise<JourneyTemplateVersionRow | undefined> {
  const [row] = await db
    .select()
    .from(journeyTemplateVersions)
    .where(
      and(
        eq(journeyTemplateVersions.tenantId, tenantId),
        eq(journeyTemplateVersions.templateId, templateId),
        eq(journeyTemplateVersions.version, version),
      ),
    );
  return row;
}

export async function listTemplates(
  db: Database,
  tenantId: string,
  filter: { category?: TemplateCategory | undefined; status?: TemplateStatus | undefined },
): Promise<Template[]> {
  const conditions: SQL[] = [eq(journeyTemplates.tenantId, tenantId)];
  if (filter.status) conditions.push(eq(journeyTemplates.status, filter.status));
  if (filter.category) conditions.push(eq(journeyTemplateVersions.category, filter.category));
  return (await templatesWhere(db, and(...conditions))).map(asTemplate);
}

/**
 * A new definition. A draft is rewritten in place (no journey can have started on it); an active
 * template gets a new version, which new journeys start on while running ones keep theirs; an
 * archived template no longer changes.
 */
export async function editTemplate(
  db: Database,
  tenantId: string,
  id: string,
  def: TemplateDefinition,
): Promise<TemplateResult> {
  return db.transaction(async (tx): Promise<TemplateResult> => {
    const found = await findTemplate(tx, tenantId, id, true);
    if (!found) return { ok: false, reason: "not_found" };
    const { row } = found;
    if (row.status === "archived") return { ok: false, reason: "archived" };
    const now = new Date();
    if (row.status === "draft") {
      const [version] = await tx
        .update(journeyTemplateVersions)
        .set({ ...versionValues(tenantId, id, row.currentVersion, def), createdAt: now })
        .where(
          and(
            eq(journeyTemplateVersions.tenantId, tenantId),
            eq(journeyTemplateVersions.templateId, id),
            eq(journeyTemplateVersions.version, row.currentVersion),
          ),
        )
        .returning();
      const [updated] = await tx
        .update(journeyTemplates)
        .set({ updatedAt: now })
        .where(and(eq(journeyTemplates.tenantId, tenantId), eq(journeyTemplates.id, id)))
        .returning();
      if (!version || !updated) throw new Error("template update returned no row");
      return { ok: true, template: { row: updated, version } };
    }
    const next = row.currentVersion + 1;
    const [version] = await tx
      .insert(journeyTemplateVersions)
      .values(versionValues(tenantId, id, next, def))
      .returning();
    const [updated] = await tx
      .update(journeyTemplates)
      .set({ currentVersion: next, updatedAt: now })
      .where(and(eq(journeyTemplates.tenantId, tenantId), eq(journeyTemplates.id, id)))
      .returning();
    if (!version || !updated) throw new Error("template version insert returned no row");
    return { ok: true, template: { row: updated, version } };
  });
}

/** draft → active → archived; any other move is refused with the moves the status allows. */
export async function changeTemplateStatus(
  db: Database,
  tenantId: string,
  id: string,
  to: TemplateStatus,
): Promise<TemplateResult> {
  return db.transaction(async (tx): Promise<TemplateResult> => {
    const found = await findTemplate(tx, tenantId, id, true);
    if (!found) return { ok: false, reason: "not_found" };
    const from = found.row.status;
    if (!statusMoves[from].includes(to)) return { ok: false, reason: "invalid_status_move", from, to };
    const [row] = await tx
      .update(journeyTemplates)
      .set({ status: to, updatedAt: new Date() })
      .where(and(eq(journeyTemplates.tenantId, tenantId), eq(journeyTemplates.id, id)))
      .returning();
    if (!row) throw new Error("template status update returned no row");
    return { ok: true, template: { row, version: found.version } };
  });
}
