import { eq } from "drizzle-orm";
import { tenantSettingsCache, tenantSettingsTtlMs } from "../cache/tenantSettingsCache.js";
import type { Database, Tx } from "../db/client.js";
import { type TenantLevel, tenants } from "../db/schema/index.js";

/** What requests of a tenant need to know about it: its SCT07 level and its phone region. */
export type TenantProfile = { level: TenantLevel; defaultRegion: string | null };

const cache = tenantSettingsCache<TenantProfile>(tenantSettingsTtlMs);

/**
 * The tenant's profile, from a short-lived per-process cache (ticket creation reads it every time),
 * kept per database and read through `reader`: a transaction in hand, or the database itself.
 */
export function tenantProfile(
  db: Database,
  tenantId: string,
  reader: Database | Tx = db,
): Promise<TenantProfile> {
  return cache.get(db, tenantId, async () => {
    const [row] = await reader
      .select({ level: tenants.level, defaultRegion: tenants.defaultRegion })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    return row ?? { level: "advanced", defaultRegion: null };
  });
}

/** After an admin change: this process reads the tenant again at once, others within the TTL. */
export function forgetTenantProfile(db: Database, tenantId: string): void {
  cache.forget(db, tenantId);
}
