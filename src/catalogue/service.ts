import { and, eq, sql } from "drizzle-orm";
import { tenantSettingsCache, tenantSettingsTtlMs } from "../cache/tenantSettingsCache.js";
import type { Database, Tx } from "../db/client.js";
import { branches, services } from "../db/schema/index.js";
import { type ServiceType, serviceTypes } from "../tickets/vocabulary.js";
import { defaultBranches, defaultServices, type ServiceEntry } from "./defaults.js";

type Reader = Database | Tx;

export type ServiceCatalogue = (serviceType: ServiceType) => ServiceEntry;

const catalogues = tenantSettingsCache<ServiceCatalogue>(tenantSettingsTtlMs);

/**
 * The tenant's catalogue as a lookup, from the settings cache: every ticket creation needs it, and
 * it changes only through the admin API.
 */
export function serviceCatalogue(
  db: Database,
  tenantId: string,
  reader: Database | Tx = db,
): Promise<ServiceCatalogue> {
  return catalogues.get(db, tenantId, async () => {
    const own = await ownServices(reader, tenantId);
    return (serviceType) => own.get(serviceType) ?? defaultServices[serviceType];
  });
}

/** The entries the tenant set itself (uncached: the admin API reads them too). */
async function ownServices(db: Database | Tx, tenantId: string): Promise<Map<ServiceType, ServiceEntry>> {
  const rows = await db.select().from(services).where(eq(services.tenantId, tenantId));
  return new Map(
    rows.map((r) => [
      r.serviceType,
      { name: r.name, supportGroup: r.supportGroup, defaultTeam: r.defaultTeam },
    ]),
  );
}

/** Creates or replaces catalogue entries, all or none (one statement). */
export async function saveServices(
  db: Database,
  tenantId: string,
  entries: ReadonlyArray<ServiceEntry & { serviceType: ServiceType }>,
): Promise<void> {
  if (entries.length > 0) {
    await db
      .insert(services)
      .values(entries.map((entry) => ({ tenantId, ...entry })))
      .onConflictDoUpdate({
        target: [services.tenantId, services.serviceType],
        set: {
          name: sql`excluded.name`,
          supportGroup: sql`excluded.support_group`,
          defaultTeam: sql`excluded.default_team`,
          updatedAt: sql`now()`,
        },
      });
  }
  catalogues.forget(db, tenantId);
}

/** Creates or renames branches, all or none (one statement). */
export async function saveBranches(
  db: Database,
  tenantId: string,
  entries: ReadonlyArray<{ code: string; name: string }>,
): Promise<void> {
  if (entries.length === 0) return;
  await db
    .insert(branches)
    .values(entries.map((entry) => ({ tenantId, ...entry })))
    .onConflictDoUpdate({
      target: [branches.tenantId, branches.code],
      set: { name: sql`excluded.name`, updatedAt: sql`now()` },
    });
}

/** A service type's catalogue entry for a tenant: its own row, else the default (settings cache). */
export async function resolveService(
  db: Database,
  tenantId: string,
  serviceType: ServiceType,
): Promise<ServiceEntry> {
  return (await serviceCatalogue(db, tenantId))(serviceType);
}

/** A branch's name for a tenant: its own row, else the default list, else undefined (unknown code). */
export async function resolveBranchName(
  db: Reader,
  tenantId: string,
  code: string,
): Promise<string | undefined> {
  const [row] = await db
    .select({ name: branches.name })
    .from(branches)
    .where(and(eq(branches.tenantId, tenantId), eq(branches.code, code)));
  return row?.name ?? defaultBranches[code];
}

export async function listServices(db: Database, tenantId: string) {
  const own = await ownServices(db, tenantId);
  return serviceTypes.map((serviceType) => ({
    serviceType,
    ...(own.get(serviceType) ?? defaultServices[serviceType]),
    source: own.has(serviceType) ? ("tenant" as const) : ("default" as const),
  }));
}

type ListedBranch = { code: string; name: string; source: "default" | "tenant" };

export async function listBranches(db: Database, tenantId: string): Promise<ListedBranch[]> {
  const rows = await db.select().from(branches).where(eq(branches.tenantId, tenantId));
  const merged = new Map<string, ListedBranch>(
    Object.entries(defaultBranches).map(([code, name]) => [code, { code, name, source: "default" }]),
  );
  for (const r of rows) merged.set(r.code, { code: r.code, name: r.name, source: "tenant" });
  return [...merged.values()].sort((a, b) => a.code.localeCompare(b.code));
}
