import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { customerDuplicates, customers } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { foldLockKey } from "./foldLock.js";

export type MergeResult =
  | { ok: true; survivorId: string; mergedId: string }
  | { ok: false; reason: "not_found"; field: "survivor_id" | "merged_id" }
  | { ok: false; reason: "same_customer" }
  | { ok: false; reason: "already_merged"; field: "survivor_id" | "merged_id"; into: string }
  | { ok: false; reason: "different_cifs" };

/**
 * Merges `mergedId` into `survivorId` in one transaction: identities, tickets, journeys, sessions,
 * handoffs, the timeline (events.customer_id), possible duplicates and folded channel activity move
 * to the survivor, which keeps its profile and fills its blanks from the merged one's. The merged
 * customer stays as a row that points at the survivor (reads of its id answer with the survivor),
 * and a customer.merged event is written on the survivor's timeline. Two customers with different
 * CIFs are two bank customers: refused.
 */
export async function mergeCustomers(
  db: Database,
  tenantId: string,
  survivorId: string,
  mergedId: string,
  actor: Actor,
): Promise<MergeResult> {
  if (survivorId === mergedId) return { ok: false, reason: "same_customer" };
  return db.transaction(async (tx) => {
    // Both rows locked in one order, so two merges of the same pair cannot deadlock.
    const rows = await tx
      .select()
      .from(customers)
      .where(and(eq(customers.tenantId, tenantId), inArray(customers.id, [survivorId, mergedId])))
      .orderBy(customers.id)
      .for("update");
    const survivor = rows.find((r) => r.id === survivorId);
    const merged = rows.find((r) => r.id === mergedId);
    if (!survivor) return { ok: false, reason: "not_found", field: "survivor_id" } as const;
    if (!merged) return { ok: false, reason: "not_found", field: "merged_id" } as const;
    if (survivor.mergedInto)
      return {
        ok: false,
        reason: "already_merged",
        field: "survivor_id",
        into: survivor.mergedInto,
      } as const;
    if (merged.mergedInto)
      return { ok: false, reason: "already_merged", field: "merged_id", into: merged.mergedInto } as const;
    if (survivor.identifier && merged.identifier && survivor.identifier !== merged.identifier)
      return { ok: false, reason: "different_cifs" } as const;

    const now = new Date();
    await moveEverything(tx, tenantId, survivorId, mergedId);
    await tx
      .update(customers)
      .set({
        email: survivor.email ?? merged.email,
        phone: survivor.phone ?? merged.phone,
        identifier: survivor.identifier ?? merged.identifier,
        branchCode: survivor.branchCode ?? merged.branchCode,
        department: survivor.department ?? merged.department,
        preferredLanguage: survivor.preferredLanguage ?? merged.preferredLanguage,
        notificationChannel: survivor.notificationChannel ?? merged.notificationChannel,
        optOuts: [...new Set([...survivor.optOuts, ...merged.optOuts])],
        updatedAt: now,
      })
      .where(eq(customers.id, survivorId));
    await tx
      .update(customers)
      .set({ mergedInto: survivorId, mergedAt: now, updatedAt: now })
      .where(eq(customers.id, mergedId));
    // Customers merged into the merged one earlier now point straight at the survivor.
    await tx
      .update(customers)
      .set({ mergedInto: survivorId })
      .where(and(eq(customers.tenantId, tenantId), eq(customers.mergedInto, mergedId)));
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.customerMerged,
      subject: { type: "customer", id: survivorId },
      customerId: survivorId,
      actor,
      payload: { survivorId, mergedId },
    });
    return { ok: true, survivorId, mergedId } as const;
  });
}

async function moveEverything(tx: Tx, tenantId: string, to: string, from: string): Promise<void> {
  const move = (table: string) =>
    tx.execute(
      sql`UPDATE ${sql.identifier(table)} SET customer_id = ${to} WHERE tenant_id = ${tenantId} AND customer_id = ${from}`,
    );
  await move("customer_identities");
  await move("tickets");
  await move("journeys");
  await move("customer_sessions");
  await move("session_handoffs");
  await move("events");
  // Possible duplicates between the two are settled by the merge; others now concern the survivor.
  await tx
    .update(customerDuplicates)
    .set({ status: "merged", resolvedAt: new Date() })
    .where(
      and(
        eq(customerDuplicates.tenantId, tenantId),
        sql`((${customerDuplicates.customerId} = ${to} AND ${customerDuplicates.otherCustomerId} = ${from})
          OR (${customerDuplicates.customerId} = ${from} AND ${customerDuplicates.otherCustomerId} = ${to}))`,
      ),
    );
  await tx.execute(sql`UPDATE customer_duplicates d SET customer_id = ${to}
    WHERE d.tenant_id = ${tenantId} AND d.customer_id = ${from} AND d.status <> 'merged'
      AND NOT EXISTS (SELECT 1 FROM customer_duplicates o WHERE o.tenant_id = d.tenant_id AND o.customer_id = ${to}
        AND o.other_customer_id = d.other_customer_id AND o.kind = d.kind AND o.value = d.value)`);
  await tx.execute(sql`UPDATE customer_duplicates d SET other_customer_id = ${to}
    WHERE d.tenant_id = ${tenantId} AND d.other_customer_id = ${from} AND d.status <> 'merged'
      AND NOT EXISTS (SELECT 1 FROM customer_duplicates o WHERE o.tenant_id = d.tenant_id AND o.other_customer_id = ${to}
        AND o.customer_id = d.customer_id AND o.kind = d.kind AND o.value = d.value)`);
  // Folded channel activity: one row per (channel, customer) and one count per latest-activity hour.
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${foldLockKey})`);
  await tx.execute(sql`WITH
    gone AS (
      DELETE FROM customer_channel_activity WHERE tenant_id = ${tenantId} AND customer_id = ${from}
      RETURNING channel, last_active_at
    ),
    kept AS (
      SELECT g.channel, g.last_active_at AS gone_at, k.last_active_at AS kept_at
      FROM gone g LEFT JOIN customer_channel_activity k
        ON k.tenant_id = ${tenantId} AND k.channel = g.channel AND k.customer_id = ${to}
    ),
    moved AS (
      INSERT INTO customer_channel_activity (tenant_id, channel, customer_id, last_active_at)
      SELECT ${tenantId}, channel, ${to}, gone_at FROM kept
      ON CONFLICT (tenant_id, channel, customer_id) DO UPDATE
        SET last_active_at = greatest(customer_channel_activity.last_active_at, excluded.last_active_at)
    ),
    deltas AS (
      -- The merged customer no longer counts; where the survivor had no row, the moved one counts
      -- for it; where both had one, only the later of the two counts.
      SELECT channel, date_trunc('hour', gone_at, 'UTC') AS hour, -1 AS d FROM kept
      UNION ALL SELECT channel, date_trunc('hour', gone_at, 'UTC'), 1 FROM kept WHERE kept_at IS NULL
      UNION ALL SELECT channel, date_trunc('hour', kept_at, 'UTC'), -1 FROM kept WHERE kept_at < gone_at
      UNION ALL SELECT channel, date_trunc('hour', gone_at, 'UTC'), 1 FROM kept WHERE kept_at < gone_at
    )
    INSERT INTO channel_activity_hours AS h (tenant_id, channel, hour, last_active_customers)
    SELECT ${tenantId}, channel, hour, sum(d) FROM deltas GROUP BY channel, hour HAVING sum(d) <> 0
    ON CONFLICT (tenant_id, channel, hour) DO UPDATE
      SET last_active_customers = h.last_active_customers + excluded.last_active_customers`);
}
