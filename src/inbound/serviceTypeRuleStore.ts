import { eq, sql } from "drizzle-orm";
import { tenantSettingsCache, tenantSettingsTtlMs } from "../cache/tenantSettingsCache.js";
import type { Database, Tx } from "../db/client.js";
import { serviceTypeRules } from "../db/schema/index.js";
import { defaultServiceTypeRules, type ServiceTypeRuleSet } from "./serviceTypeRules.js";

export type EffectiveRuleSet = ServiceTypeRuleSet & { source: "default" | "tenant" };

const cache = tenantSettingsCache<EffectiveRuleSet>(tenantSettingsTtlMs);

/**
 * The tenant's rule set, its own or the defaults, from the settings cache (every new ticket reads
 * it), kept per database and read through `reader` (the router's transaction).
 */
export function serviceTypeRuleSet(
  db: Database,
  tenantId: string,
  reader: Database | Tx = db,
): Promise<EffectiveRuleSet> {
  return cache.get(db, tenantId, () => loadRuleSet(reader, tenantId));
}

/** Uncached: what the admin API shows right after a change. */
export async function loadRuleSet(db: Database | Tx, tenantId: string): Promise<EffectiveRuleSet> {
  const [row] = await db
    .select({ ruleSet: serviceTypeRules.ruleSet })
    .from(serviceTypeRules)
    .where(eq(serviceTypeRules.tenantId, tenantId));
  return row ? { ...row.ruleSet, source: "tenant" } : { ...defaultServiceTypeRules, source: "default" };
}

/** Replaces the tenant's whole rule set: rules are ordered, so a partial update has no clear meaning. */
export async function saveRuleSet(
  db: Database,
  tenantId: string,
  ruleSet: ServiceTypeRuleSet,
): Promise<void> {
  await db
    .insert(serviceTypeRules)
    .values({ tenantId, ruleSet })
    .onConflictDoUpdate({
      target: serviceTypeRules.tenantId,
      set: { ruleSet: sql`excluded.rule_set`, updatedAt: sql`now()` },
    });
  cache.forget(db, tenantId);
}

/** Back to the defaults. */
export async function resetRuleSet(db: Database, tenantId: string): Promise<void> {
  await db.delete(serviceTypeRules).where(eq(serviceTypeRules.tenantId, tenantId));
  cache.forget(db, tenantId);
}
