import { count, desc, eq } from "drizzle-orm";
import { forgetAuthenticatedKeys } from "../apiKeys/authentication.js";
import type { Database } from "../db/client.js";
import { type TenantLevel, type TenantRow, type TenantStatus, tenants } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";
import { forgetTenantProfile } from "./profile.js";

export type Tenant = Pick<
  TenantRow,
  "id" | "slug" | "name" | "status" | "level" | "defaultRegion" | "webchatOrigins" | "createdAt" | "updatedAt"
>;

/** Settings of a tenant: its SCT07 configuration level, its phone region, the sites embedding its web chat. */
export type TenantSettings = {
  level?: TenantLevel | undefined;
  defaultRegion?: string | null | undefined;
  webchatOrigins?: string[] | undefined;
};

export type CreateTenantResult = { ok: true; tenant: Tenant } | { ok: false; reason: "slug_taken" };

export async function createTenant(
  db: Database,
  input: { slug: string; name: string } & TenantSettings,
  actor: Actor,
): Promise<CreateTenantResult> {
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({
        id: newId("tenant"),
        slug: input.slug,
        name: input.name,
        ...(input.level ? { level: input.level } : {}),
        defaultRegion: input.defaultRegion ?? null,
        webchatOrigins: [...new Set(input.webchatOrigins ?? [])],
      })
      .onConflictDoNothing({ target: tenants.slug })
      .returning();
    if (!tenant) return { ok: false, reason: "slug_taken" } as const;
    await recordEvent(tx, {
      tenantId: tenant.id,
      type: eventTypes.tenantCreated,
      subject: { type: "tenant", id: tenant.id },
      actor,
      payload: { slug: tenant.slug, name: tenant.name, level: tenant.level },
    });
    return { ok: true, tenant } as const;
  });
}

export async function listTenants(
  db: Database,
  page: PageRequest,
): Promise<{ items: Tenant[]; total: number }> {
  const { limit, offset } = pageWindow(page);
  const [items, totals] = await Promise.all([
    db.select().from(tenants).orderBy(desc(tenants.createdAt), desc(tenants.id)).limit(limit).offset(offset),
    db.select({ total: count() }).from(tenants),
  ]);
  return { items, total: totals[0]?.total ?? 0 };
}

export async function findTenant(db: Database, idOrSlug: string): Promise<Tenant | undefined> {
  const column = idOrSlug.startsWith("ten_") ? tenants.id : tenants.slug;
  const [tenant] = await db.select().from(tenants).where(eq(column, idOrSlug));
  return tenant;
}

export type SetTenantStatusResult = { ok: true; tenant: Tenant } | { ok: false; reason: "not_found" };

/** A disabled tenant's keys stop authenticating at once; its data stays. */
export async function setTenantStatus(
  db: Database,
  tenantId: string,
  status: TenantStatus,
  actor: Actor,
): Promise<SetTenantStatusResult> {
  const result = await db.transaction(async (tx) => {
    const [before] = await tx.select().from(tenants).where(eq(tenants.id, tenantId)).for("update");
    if (!before) return { ok: false, reason: "not_found" } as const;
    if (before.status === status) return { ok: true, tenant: before } as const;
    const [tenant] = await tx
      .update(tenants)
      .set({ status, updatedAt: new Date() })
      .where(eq(tenants.id, tenantId))
      .returning();
    if (!tenant) return { ok: false, reason: "not_found" } as const;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.tenantStatusChanged,
      subject: { type: "tenant", id: tenantId },
      actor,
      payload: { oldStatus: before.status, newStatus: status },
    });
    return { ok: true, tenant } as const;
  });
  // After the commit, so a concurrent request cannot cache the old status again.
  if (result.ok) forgetAuthenticatedKeys(db);
  return result;
}

/**
 * Changes a tenant's SCT07 level, phone region or web chat sites; this process sees the first two at
 * once, others within 30 s; the sites count from the next socket opened.
 */
export async function updateTenantSettings(
  db: Database,
  tenantId: string,
  settings: TenantSettings,
  actor: Actor,
): Promise<Tenant | undefined> {
  const tenant = await db.transaction(async (tx) => {
    const [updated] = await tx
      .update(tenants)
      .set({
        ...(settings.level ? { level: settings.level } : {}),
        ...(settings.defaultRegion !== undefined ? { defaultRegion: settings.defaultRegion } : {}),
        ...(settings.webchatOrigins !== undefined
          ? { webchatOrigins: [...new Set(settings.webchatOrigins)] }
          : {}),
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, tenantId))
      .returning();
    if (!updated) return undefined;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.tenantSettingsChanged,
      subject: { type: "tenant", id: tenantId },
      actor,
      payload: {
        level: updated.level,
        defaultRegion: updated.defaultRegion,
        webchatOrigins: updated.webchatOrigins,
      },
    });
    return updated;
  });
  if (tenant) forgetTenantProfile(db, tenantId);
  return tenant;
}
