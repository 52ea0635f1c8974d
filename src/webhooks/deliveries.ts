import { and, count, desc, eq, gte, type SQL, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { type DeliveryStatus, webhookAttempts, webhookDeliveries } from "../db/schema/index.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { type DueDelivery, dueColumns, dueDeliveryOf } from "./sweeper.js";

export type DeliveryFilter = {
  endpointId?: string | undefined;
  eventId?: string | undefined;
  status?: DeliveryStatus | undefined;
};

export async function listDeliveries(
  db: Database,
  tenantId: string,
  filter: DeliveryFilter,
  page: PageRequest,
) {
  const conditions: SQL[] = [eq(webhookDeliveries.tenantId, tenantId)];
  if (filter.endpointId) conditions.push(eq(webhookDeliveries.endpointId, filter.endpointId));
  if (filter.eventId) conditions.push(eq(webhookDeliveries.eventId, filter.eventId));
  if (filter.status) conditions.push(eq(webhookDeliveries.status, filter.status));
  const where = and(...conditions);
  const { limit, offset } = pageWindow(page);
  const [items, [counted]] = await Promise.all([
    db
      .select()
      .from(webhookDeliveries)
      .where(where)
      .orderBy(desc(webhookDeliveries.createdAt))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(webhookDeliveries).where(where),
  ]);
  return { items, total: counted?.total ?? 0 };
}

/** A delivery's attempts, oldest first; undefined when the delivery is not the tenant's. */
export async function listAttempts(db: Database, tenantId: string, deliveryId: string) {
  const [delivery] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.tenantId, tenantId)));
  if (!delivery) return undefined;
  return db
    .select()
    .from(webhookAttempts)
    .where(eq(webhookAttempts.deliveryId, deliveryId))
    .orderBy(webhookAttempts.attemptedAt);
}

/**
 * Makes a delivery due now: a failed one becomes pending again for one more attempt (its schedule is
 * spent, so a failure fails it again), a pending one is brought forward. A succeeded delivery is
 * never sent twice.
 */
export async function retryDelivery(
  db: Database,
  tenantId: string,
  deliveryId: string,
): Promise<{ ok: true; delivery: DueDelivery } | { ok: false; reason: "not_found" | "succeeded" }> {
  const [delivery] = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: sql`now()`, completedAt: null })
    .where(
      and(
        eq(webhookDeliveries.id, deliveryId),
        eq(webhookDeliveries.tenantId, tenantId),
        sql`${webhookDeliveries.status} <> 'succeeded'`,
      ),
    )
    .returning(dueColumns);
  if (delivery) return { ok: true, delivery: dueDeliveryOf(delivery) };
  const [exists] = await db
    .select({ id: webhookDeliveries.id })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.tenantId, tenantId)));
  return { ok: false, reason: exists ? "succeeded" : "not_found" };
}

/** Every failed delivery of an endpoint created since a time, pending again and due now. */
export async function replayFailed(
  db: Database,
  tenantId: string,
  endpointId: string,
  since: Date,
): Promise<DueDelivery[]> {
  const rows = await db
    .update(webhookDeliveries)
    .set({ status: "pending", nextAttemptAt: sql`now()`, completedAt: null })
    .where(
      and(
        eq(webhookDeliveries.tenantId, tenantId),
        eq(webhookDeliveries.endpointId, endpointId),
        eq(webhookDeliveries.status, "failed"),
        gte(webhookDeliveries.createdAt, since),
      ),
    )
    .returning(dueColumns);
  return rows.map(dueDeliveryOf);
}
