// What an operator sets through the admin API: a tenant's SLA rules and its working hours.
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { businessCalendars, slaPolicies } from "../db/schema/index.js";
import { newId } from "../ids.js";
import type { Priority, ServiceType } from "../tickets/vocabulary.js";
import type { WorkingHours } from "./calendar.js";
import { type EffectivePolicy, effectivePolicies, type TenantSlaRule } from "./policies.js";
import { forgetSlaSettings, slaRules } from "./service.js";

export async function listEffectivePolicies(db: Database, tenantId: string): Promise<EffectivePolicy[]> {
  return effectivePolicies(await slaRules(db, tenantId));
}

export type SlaRuleInput = TenantSlaRule & { serviceType: ServiceType | null };

/** Creates or replaces rules, all or none. */
export async function upsertSlaRules(
  db: Database,
  tenantId: string,
  rules: readonly SlaRuleInput[],
): Promise<void> {
  if (rules.length === 0) return;
  const rows = rules.map(
    (r) =>
      sql`(${newId("slaPolicy")}, ${tenantId}, ${r.serviceType}, ${r.priority}, ${r.responseMinutes}, ${r.resolutionMinutes}, now())`,
  );
  // The unique index is on coalesce(service_type, '*'), an expression drizzle's onConflict cannot name.
  await db.execute(sql`
    INSERT INTO sla_policies (id, tenant_id, service_type, priority, response_minutes, resolution_minutes, updated_at)
    VALUES ${sql.join(rows, sql`, `)}
    ON CONFLICT (tenant_id, coalesce(service_type, '*'), priority) DO UPDATE SET
      response_minutes = excluded.response_minutes,
      resolution_minutes = excluded.resolution_minutes,
      updated_at = excluded.updated_at`);
  forgetSlaSettings(db, tenantId);
}

/** Removes one rule, so the next tier applies again. False when there was none. */
export async function deleteSlaRule(
  db: Database,
  tenantId: string,
  serviceType: ServiceType | null,
  priority: Priority,
): Promise<boolean> {
  const deleted = await db
    .delete(slaPolicies)
    .where(
      and(
        eq(slaPolicies.tenantId, tenantId),
        eq(slaPolicies.priority, priority),
        serviceType === null ? isNull(slaPolicies.serviceType) : eq(slaPolicies.serviceType, serviceType),
      ),
    )
    .returning({ id: slaPolicies.id });
  forgetSlaSettings(db, tenantId);
  return deleted.length > 0;
}

export async function saveWorkingHours(db: Database, tenantId: string, hours: WorkingHours): Promise<void> {
  const values = {
    timezone: hours.timezone,
    workingDays: [...hours.workingDays],
    dayStartMinute: hours.dayStartMinute,
    dayEndMinute: hours.dayEndMinute,
    holidays: [...hours.holidays],
    updatedAt: new Date(),
  };
  await db
    .insert(businessCalendars)
    .values({ tenantId, ...values })
    .onConflictDoUpdate({ target: businessCalendars.tenantId, set: values });
  forgetSlaSettings(db, tenantId);
}

/** Back to every hour of every day. False when the tenant had no calendar. */
export async function deleteWorkingHours(db: Database, tenantId: string): Promise<boolean> {
  const deleted = await db
    .delete(businessCalendars)
    .where(eq(businessCalendars.tenantId, tenantId))
    .returning({ tenantId: businessCalendars.tenantId });
  forgetSlaSettings(db, tenantId);
  return deleted.length > 0;
}
