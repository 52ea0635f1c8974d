import { sql } from "drizzle-orm";
import { foldLockKey } from "../../customers/foldLock.js";
import { type Database, rowsOf, type Tx } from "../../db/client.js";
import { handoffEventType, transactionEventTypes } from "./vocabulary.js";

/** Events folded per transaction; a run folds at most maxBatchesPerRun of them, the next tick the rest. */
export const foldBatchSize = 5000;
const maxBatchesPerRun = 20;

/**
 * Folds the events waiting in channel_fold_pending (the outbox relay puts each relayed event
 * with a channel there) into the channel rollups, taking them out in the same transaction: each
 * event is folded exactly once, and until then the analytics count it live. A job of its own, so
 * the relay, the path of every event to its subscribers and webhooks, never waits for analytics.
 * Returns how many events it folded.
 */
export async function foldPendingActivity(db: Database): Promise<number> {
  let folded = 0;
  for (let batch = 0; batch < maxBatchesPerRun; batch++) {
    const taken = await db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${foldLockKey})`);
      const rows = rowsOf<{ event_id: string }>(
        await tx.execute(sql`DELETE FROM channel_fold_pending
          WHERE (tenant_id, event_id) IN (SELECT tenant_id, event_id FROM channel_fold_pending LIMIT ${foldBatchSize})
          RETURNING event_id`),
      );
      if (rows.length === 0) return 0;
      // One text[] parameter: as up to 5,000 parameters, each batch size was a statement text of
      // its own to parse. The statement is planned with the array's value, so the planner still
      // knows how many ids it looks up (from a jsonb list it guessed ten, and read events by bitmap).
      await fold(tx, sql`id = ANY(${sql.param(rows.map((r) => r.event_id))}::text[])`);
      return rows.length;
    });
    folded += taken;
    if (taken < foldBatchSize) break;
  }
  return folded;
}

/**
 * Folds a tenant's relayed events again from nothing (those still pending are left to the fold
 * job, those not relayed yet to the relay): for a tenant whose events were loaded in bulk (the analytics benchmark fills them with
 * generate_series) or to repair rollups by hand.
 */
export async function refoldTenant(tx: Tx, tenantId: string): Promise<void> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${foldLockKey})`);
  await tx.execute(sql`DELETE FROM channel_activity_hours WHERE tenant_id = ${tenantId}`);
  await tx.execute(sql`DELETE FROM customer_channel_activity WHERE tenant_id = ${tenantId}`);
  await fold(
    tx,
    sql`tenant_id = ${tenantId}
      AND NOT EXISTS (SELECT 1 FROM event_outbox o WHERE o.occurred_at = events.occurred_at AND o.event_id = events.id)
      AND NOT EXISTS (SELECT 1 FROM channel_fold_pending p WHERE p.tenant_id = ${tenantId} AND p.event_id = events.id)`,
  );
}

/**
 * Per (tenant, channel, hour): transactions and completed handoffs; per (tenant, channel,
 * customer): the latest activity, and per hour how many customers' latest activity falls in it, so
 * that "customers active since T" is a sum over hours. Callers hold the fold lock: this reads a
 * customer's latest activity before moving its count, which two folds at once would do from the
 * same stale read. Hours are UTC hours, whatever the session's time zone.
 */
async function fold(tx: Tx, which: ReturnType<typeof sql>): Promise<void> {
  const types = sql`ARRAY[${sql.join(
    transactionEventTypes.map((t) => sql`${t}`),
    sql`, `,
  )}]::text[]`;
  await tx.execute(sql`WITH
    batch AS (
      SELECT tenant_id, channel, customer_id, type, occurred_at FROM events
      WHERE ${which} AND channel IS NOT NULL
    ),
    latest AS (
      SELECT tenant_id, channel, customer_id, max(occurred_at) AS at FROM batch
      WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3
    ),
    moved AS (
      SELECT l.tenant_id, l.channel, l.customer_id, l.at, p.last_active_at AS prev
      FROM latest l LEFT JOIN customer_channel_activity p
        ON p.tenant_id = l.tenant_id AND p.channel = l.channel AND p.customer_id = l.customer_id
      WHERE p.last_active_at IS NULL OR p.last_active_at < l.at
    ),
    stored AS (
      INSERT INTO customer_channel_activity (tenant_id, channel, customer_id, last_active_at)
      SELECT tenant_id, channel, customer_id, at FROM moved
      ON CONFLICT (tenant_id, channel, customer_id) DO UPDATE SET last_active_at = excluded.last_active_at
    ),
    deltas AS (
      SELECT tenant_id, channel, date_trunc('hour', occurred_at, 'UTC') AS hour,
        (type = ANY(${types}))::int AS transactions, (type = ${handoffEventType})::int AS handoffs, 0 AS last_active
      FROM batch
      UNION ALL SELECT tenant_id, channel, date_trunc('hour', at, 'UTC'), 0, 0, 1 FROM moved
      UNION ALL SELECT tenant_id, channel, date_trunc('hour', prev, 'UTC'), 0, 0, -1 FROM moved WHERE prev IS NOT NULL
    )
    INSERT INTO channel_activity_hours AS h (tenant_id, channel, hour, transactions, handoffs, last_active_customers)
    SELECT tenant_id, channel, hour, sum(transactions), sum(handoffs), sum(last_active) FROM deltas
    GROUP BY 1, 2, 3
    HAVING sum(transactions) <> 0 OR sum(handoffs) <> 0 OR sum(last_active) <> 0
    ON CONFLICT (tenant_id, channel, hour) DO UPDATE SET
      transactions = h.transactions + excluded.transactions,
      handoffs = h.handoffs + excluded.handoffs,
      last_active_customers = h.last_active_customers + excluded.last_active_customers`);
}
