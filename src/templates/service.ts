import { and, asc, eq, isNull, or, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import {
  type MessageTemplateRow,
  type MessageTemplateVersionRow,
  messageTemplates,
  messageTemplateVersions,
} from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { newId } from "../ids.js";
import type { NotificationChannel } from "../notifications/vocabulary.js";
import { type TemplateProblems, templateProblems } from "./analysis.js";
import type { DefaultTemplate } from "./defaults.js";
import { normaliseLocale } from "./locale.js";
import type { TemplateDefinition } from "./schemas.js";
import type { TemplateStatus } from "./vocabulary.js";

type Reader = Database | Tx;

/** Who wrote a default template's versions. */
export const defaultsAuthor = "templates/";

/** A template as a tenant sees it: its own, or the default for the code when it has none. */
export type EffectiveTemplate = {
  row: MessageTemplateRow;
  version: MessageTemplateVersionRow;
  origin: "tenant" | "default";
};

export type TemplateFailure =
  | { ok: false; reason: "not_found" }
  | { ok: false; reason: "code_taken"; origin: "tenant" | "default" }
  | { ok: false; reason: "archived" }
  | { ok: false; reason: "invalid"; problems: TemplateProblems };
export type TemplateResult = { ok: true; template: EffectiveTemplate } | TemplateFailure;

const byTenantOrDefault = (tenantId: string) =>
  or(eq(messageTemplates.tenantId, tenantId), isNull(messageTemplates.tenantId));

/**
 * Loads the shipped defaults into the database: a code never seen gets version 1, a code whose
 * files changed gets a new version, an unchanged one is left alone. Defaults are rows without a
 * tenant, and a tenant's edits are rows of its own, so this never overwrites what admins changed.
 * One transaction under an advisory lock: hubs starting together load once.
 */
export async function loadDefaultTemplates(
  db: Database,
  defaults: readonly DefaultTemplate[],
): Promise<{ created: string[]; updated: string[] }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('switchboard.message_template_defaults'))`);
    const existing = await tx.select().from(messageTemplates).where(isNull(messageTemplates.tenantId));
    const byCode = new Map(existing.map((r) => [r.code, r]));
    const created: string[] = [];
    const updated: string[] = [];
    for (const d of defaults) {
      const row = byCode.get(d.code);
      if (row?.sourceHash === d.sourceHash) continue;
      const version = row ? row.currentVersion + 1 : 1;
      const id = row?.id ?? newId("messageTemplate");
      if (row) {
        await tx
          .update(messageTemplates)
          .set({ currentVersion: version, sourceHash: d.sourceHash, updatedAt: sql`now()` })
          .where(eq(messageTemplates.id, id));
        updated.push(d.code);
      } else {
        await tx
          .insert(messageTemplates)
          .values({ id, tenantId: null, code: d.code, sourceHash: d.sourceHash });
        created.push(d.code);
      }
      await tx
        .insert(messageTemplateVersions)
        .values(versionValues(id, version, d.definition, defaultsAuthor));
    }
    return { created, updated };
  });
}

function versionValues(templateId: string, version: number, def: TemplateDefinition, createdBy: string) {
  return {
    templateId,
    version,
    description: def.description,
    variables: def.variables.map((v) => ({ name: v.name, required: v.required, description: v.description })),
    variants: def.variants.map((v) => ({
      channel: v.channel,
      locale: normaliseLocale(v.locale),
      fields: v.fields,
    })),
    createdBy,
  };
}

async function versionOf(db: Reader, templateId: string, version: number) {
  const [row] = await db
    .select()
    .from(messageTemplateVersions)
    .where(
      and(eq(messageTemplateVersions.templateId, templateId), eq(messageTemplateVersions.version, version)),
    );
  return row;
}

/** The tenant's row for a code and the default's, either of which may be missing. */
async function rowsFor(db: Reader, tenantId: string, code: string, lock = false) {
  const query = db
    .select()
    .from(messageTemplates)
    .where(and(eq(messageTemplates.code, code), byTenantOrDefault(tenantId)));
  const rows = lock ? await query.for("update") : await query;
  return {
    own: rows.find((r) => r.tenantId === tenantId),
    fallback: rows.find((r) => r.tenantId === null),
  };
}

/** The template a tenant sends for a code (its own, else the default), at its current version. */
export async function findEffectiveTemplate(
  db: Reader,
  tenantId: string,
  code: string,
): Promise<EffectiveTemplate | undefined> {
  const { own, fallback } = await rowsFor(db, tenantId, code);
  const row = own ?? fallback;
  if (!row) return undefined;
  // A version never changes once written: the row names the current one, the cache has it.
  const version = await templateVersionById(db, row.id, row.currentVersion);
  return version ? { row, version, origin: own ? "tenant" : "default" } : undefined;
}

export type TemplateFilter = {
  status?: TemplateStatus | undefined;
  channel?: NotificationChannel | undefined;
  locale?: string | undefined;
};

/**
 * Every template the tenant has, its own and the defaults it has not replaced, by code. A tenant
 * has tens of templates, not thousands: they are read whole and filtered here.
 */
export async function listEffectiveTemplates(
  db: Reader,
  tenantId: string,
  filter: TemplateFilter,
): Promise<EffectiveTemplate[]> {
  const rows = await db
    .select({ row: messageTemplates, version: messageTemplateVersions })
    .from(messageTemplates)
    .innerJoin(
      messageTemplateVersions,
      and(
        eq(messageTemplateVersions.templateId, messageTemplates.id),
        eq(messageTemplateVersions.version, messageTemplates.currentVersion),
      ),
    )
    .where(byTenantOrDefault(tenantId))
    .orderBy(asc(messageTemplates.code));
  const owned = new Set(rows.filter((r) => r.row.tenantId === tenantId).map((r) => r.row.code));
  const locale = filter.locale ? normaliseLocale(filter.locale) : undefined;
  return rows
    .filter((r) => r.row.tenantId === tenantId || !owned.has(r.row.code))
    .map((r): EffectiveTemplate => ({ ...r, origin: r.row.tenantId === null ? "default" : "tenant" }))
    .filter((t) => !filter.status || t.row.status === filter.status)
    .filter((t) => !filter.channel || t.version.variants.some((v) => v.channel === filter.channel))
    .filter((t) => !locale || t.version.variants.some((v) => v.locale === locale));
}

/** Every version of the tenant's template for a code, newest first. */
export async function listTemplateVersions(
  db: Reader,
  tenantId: string,
  code: string,
): Promise<MessageTemplateVersionRow[] | undefined> {
  const { own, fallback } = await rowsFor(db, tenantId, code);
  const row = own ?? fallback;
  if (!row) return undefined;
  const versions = await db
    .select()
    .from(messageTemplateVersions)
    .where(eq(messageTemplateVersions.templateId, row.id))
    .orderBy(asc(messageTemplateVersions.version));
  return versions.reverse();
}

export async function findTemplateVersion(
  db: Reader,
  tenantId: string,
  code: string,
  version: number,
): Promise<EffectiveTemplate | undefined> {
  const { own, fallback } = await rowsFor(db, tenantId, code);
  const row = own ?? fallback;
  if (!row) return undefined;
  const found = await versionOf(db, row.id, version);
  return found ? { row, version: found, origin: own ? "tenant" : "default" } : undefined;
}

/**
 * Versions notifications are rendered from, by template id and version. A version is written once
 * and never changed, so every process may keep them. Bounded: the oldest entry goes first.
 */
const versionCache = new Map<string, MessageTemplateVersionRow>();
const versionCacheMax = 5000;

export async function templateVersionById(
  db: Reader,
  templateId: string,
  version: number,
): Promise<MessageTemplateVersionRow | undefined> {
  const key = `${templateId}\u0000${version}`;
  const known = versionCache.get(key);
  if (known) return known;
  const row = await versionOf(db, templateId, version);
  if (row) {
    if (versionCache.size >= versionCacheMax) {
      const oldest = versionCache.keys().next().value;
      if (oldest !== undefined) versionCache.delete(oldest);
    }
    versionCache.set(key, row);
  }
  return row;
}

/** A new code for the tenant. A code the tenant or the defaults already have is taken (update it). */
export async function createTemplate(
  db: Database,
  tenantId: string,
  actor: Actor,
  code: string,
  def: TemplateDefinition,
): Promise<TemplateResult> {
  const problems = templateProblems(def);
  if (Object.keys(problems).length > 0) return { ok: false, reason: "invalid", problems };
  return db.transaction(async (tx) => {
    const { own, fallback } = await rowsFor(tx, tenantId, code, true);
    if (own || fallback)
      return { ok: false, reason: "code_taken", origin: own ? "tenant" : "default" } as const;
    const [row] = await tx
      .insert(messageTemplates)
      .values({ id: newId("messageTemplate"), tenantId, code })
      .onConflictDoNothing()
      .returning();
    // A concurrent create of the same code won the insert.
    if (!row) return { ok: false, reason: "code_taken", origin: "tenant" } as const;
    const [version] = await tx
      .insert(messageTemplateVersions)
      .values(versionValues(row.id, 1, def, actorName(actor)))
      .returning();
    if (!version) throw new Error("template version insert returned no row");
    await templateEvent(tx, tenantId, actor, eventTypes.messageTemplateCreated, row, "tenant");
    return { ok: true, template: { row, version, origin: "tenant" } } as const;
  });
}

/**
 * A new version of the tenant's template for a code. The first change to a default gives the
 * tenant a template of its own: version 1 is the default as it was, version 2 the change.
 */
export async function updateTemplate(
  db: Database,
  tenantId: string,
  actor: Actor,
  code: string,
  def: TemplateDefinition,
): Promise<TemplateResult> {
  const problems = templateProblems(def);
  if (Object.keys(problems).length > 0) return { ok: false, reason: "invalid", problems };
  return db.transaction(async (tx) => {
    const own = await ownRow(tx, tenantId, code);
    if (!own.ok) return own;
    const { row } = own;
    if (row.status === "archived") return { ok: false, reason: "archived" } as const;
    const next = row.currentVersion + 1;
    const [version] = await tx
      .insert(messageTemplateVersions)
      .values(versionValues(row.id, next, def, actorName(actor)))
      .returning();
    const [updated] = await tx
      .update(messageTemplates)
      .set({ currentVersion: next, updatedAt: sql`now()` })
      .where(eq(messageTemplates.id, row.id))
      .returning();
    if (!version || !updated) throw new Error("template update returned no row");
    await templateEvent(tx, tenantId, actor, eventTypes.messageTemplateUpdated, updated, "tenant");
    return { ok: true, template: { row: updated, version, origin: "tenant" } } as const;
  });
}

/** Archives (nothing is sent with it) or restores the tenant's template for a code. */
export async function setTemplateStatus(
  db: Database,
  tenantId: string,
  actor: Actor,
  code: string,
  status: TemplateStatus,
): Promise<TemplateResult> {
  return db.transaction(async (tx) => {
    const own = await ownRow(tx, tenantId, code);
    if (!own.ok) return own;
    let { row } = own;
    if (row.status !== status) {
      const [updated] = await tx
        .update(messageTemplates)
        .set({ status, updatedAt: sql`now()` })
        .where(eq(messageTemplates.id, row.id))
        .returning();
      if (!updated) throw new Error("template status update returned no row");
      row = updated;
      const type =
        status === "archived" ? eventTypes.messageTemplateArchived : eventTypes.messageTemplateRestored;
      await templateEvent(tx, tenantId, actor, type, row, "tenant");
    }
    const version = await versionOf(tx, row.id, row.currentVersion);
    if (!version) throw new Error("template without its current version");
    return { ok: true, template: { row, version, origin: "tenant" } } as const;
  });
}

/**
 * The tenant's own row for a code, locked; made from the default (its current version copied as
 * version 1) when the tenant has none yet.
 */
async function ownRow(
  tx: Tx,
  tenantId: string,
  code: string,
): Promise<{ ok: true; row: MessageTemplateRow } | { ok: false; reason: "not_found" }> {
  const { own, fallback } = await rowsFor(tx, tenantId, code, true);
  if (own) return { ok: true, row: own };
  if (!fallback) return { ok: false, reason: "not_found" };
  const source = await versionOf(tx, fallback.id, fallback.currentVersion);
  if (!source) throw new Error("default template without its current version");
  const [row] = await tx
    .insert(messageTemplates)
    .values({ id: newId("messageTemplate"), tenantId, code, currentVersion: 1 })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    // A concurrent change made the tenant's row first: this statement sees it committed.
    const again = await rowsFor(tx, tenantId, code, true);
    if (!again.own) throw new Error("template row neither inserted nor found");
    return { ok: true, row: again.own };
  }
  await tx.insert(messageTemplateVersions).values({
    templateId: row.id,
    version: 1,
    description: source.description,
    variables: source.variables,
    variants: source.variants,
    createdBy: source.createdBy,
  });
  return { ok: true, row };
}

function actorName(actor: Actor): string {
  return actor.id ?? actor.type;
}

async function templateEvent(
  tx: Tx,
  tenantId: string,
  actor: Actor,
  type: (typeof eventTypes)[keyof typeof eventTypes],
  row: MessageTemplateRow,
  origin: "tenant" | "default",
): Promise<void> {
  await recordEvent(tx, {
    tenantId,
    type,
    subject: { type: "message_template", id: row.code },
    actor,
    payload: { code: row.code, version: row.currentVersion, status: row.status, origin },
  });
}
