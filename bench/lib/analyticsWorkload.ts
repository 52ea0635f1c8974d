import { sql } from "drizzle-orm";
import { type DatabaseHandle, openPostgres } from "../../src/db/client.js";
import { refoldTenant } from "../../src/sct07/analytics/fold.js";
import { channelActivity } from "../../src/sct07/analytics/query.js";
import { throwIfInterrupted } from "./interrupted.js";
import { progress } from "./log.js";

const dayMs = 86_400_000;
/** The spread the issue names: 90 days and 20,000 customers. */
const spreadSeconds = 90 * 86_400;
const customers = 20_000;
const fillChunk = 200_000;

/** The benchmark's own connection to the run's database: bulk loading, and the query timed alone. */
export function openBenchDatabase(databaseUrl: string): DatabaseHandle {
  // No statement timeout: loading a million rows takes longer than any request may.
  return openPostgres(databaseUrl, 2, undefined, 0);
}

/**
 * Adds the tenant's events numbered [from, to) as the writers would have left them, relayed:
 * session, ticket, journey and handoff events over six channels, spread evenly over the last 90
 * days and 20,000 customers (multiplying by primes coprime with the ranges walks each range in a
 * scattered order). Then folds the tenant's rollups again from nothing, as the fold job would have
 * kept them, and lets the planner see the new sizes.
 */
export async function fillEvents(
  handle: DatabaseHandle,
  tenantId: string,
  from: number,
  to: number,
  signal: AbortSignal,
): Promise<void> {
  for (let start = from; start < to; start += fillChunk) {
    throwIfInterrupted(signal);
    const end = Math.min(to, start + fillChunk) - 1;
    await handle.db.transaction(async (tx) => {
      await tx.execute(sql`
      INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, channel, customer_id,
        payload, occurred_at)
      SELECT 'evt_' || md5(${tenantId} || ':' || g), ${tenantId},
        (ARRAY['session.started', 'TICKET_CREATED', 'session.handoff_completed', 'omni.journey.created',
          'session.closed'])[1 + g % 5],
        'customer', 'cus_bench_' || (g::bigint * 7919) % ${customers}, 'system',
        (ARRAY['WEB', 'MOBILE_IOS', 'MOBILE_ANDROID', 'API', 'WEBHOOK', 'WHATSAPP'])[1 + (g / 5) % 6],
        'cus_bench_' || (g::bigint * 7919) % ${customers}, '{}'::jsonb,
        now() - ((g::bigint * 104729) % ${spreadSeconds}) * interval '1 second'
      FROM generate_series(${start}::int, ${end}::int) g`);
      // Loaded as history: taken out of the relay's outbox before anyone sees them there.
      await tx.execute(
        sql`DELETE FROM event_outbox o USING events e WHERE e.id = o.event_id AND e.tenant_id = ${tenantId}`,
      );
    });
    progress(`analytics: ${end + 1} events loaded`);
  }
  await handle.db.execute(sql`ANALYZE events`);
  await handle.db.transaction((tx) => refoldTenant(tx, tenantId));
  await handle.db.execute(sql`ANALYZE channel_activity_hours`);
  await handle.db.execute(sql`ANALYZE customer_channel_activity`);
}

/** The analytics query alone, as the route runs it: the default window, the last 30 days. */
function analyticsQuery(handle: DatabaseHandle, tenantId: string): () => Promise<void> {
  return async () => {
    const now = new Date();
    await channelActivity(handle.db, tenantId, { from: new Date(now.getTime() - 30 * dayMs) }, now);
  };
}

/** The same through the hub: GET /api/v1/analytics/channels, whose default window is the last 30 days. */
function analyticsRequest(hubUrl: string, key: string): () => Promise<void> {
  return async () => {
    const res = await fetch(`${hubUrl}/api/v1/analytics/channels`, {
      headers: { authorization: `Bearer ${key}` },
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`analytics answered ${res.status}: ${text.slice(0, 200)}`);
  };
}

export type AnalyticsTenant = Readonly<{ id: string; key: string }>;
export type AnalyticsTimes = Readonly<{ query: readonly number[]; http: readonly number[] }>;

/**
 * One round: the query alone, then through the hub, `samples` times for each tenant, one call at a
 * time, the tenants taking turns call by call (and which goes first, turn by turn), so that a busy
 * spell of a shared machine falls on all of them alike. After a tenth as many unmeasured turns.
 */
export async function timeAnalytics(
  handle: DatabaseHandle,
  hubUrl: string,
  tenants: readonly AnalyticsTenant[],
  samples: number,
  signal: AbortSignal,
): Promise<AnalyticsTimes[]> {
  const times = tenants.map(() => ({ query: [] as number[], http: [] as number[] }));
  const calls = tenants.map((t) => ({
    query: analyticsQuery(handle, t.id),
    http: analyticsRequest(hubUrl, t.key),
  }));
  const warmup = Math.ceil(samples / 10);
  for (const part of ["query", "http"] as const) {
    for (let turn = -warmup; turn < samples; turn++) {
      throwIfInterrupted(signal);
      for (let k = 0; k < calls.length; k++) {
        const i = (k + Math.max(turn, 0)) % calls.length;
        const call = calls[i]?.[part];
        if (!call) continue;
        const t0 = performance.now();
        await call();
        if (turn >= 0) times[i]?.[part].push(performance.now() - t0);
      }
    }
  }
  return times;
}

/**
 * Why the default window's answer (rollups, first hour and live part) differs from the same
 * window's events counted one by one (the window closed a moment ago), or undefined when they agree:
 * figures of a wrong answer are worth nothing.
 */
export async function checkExact(handle: DatabaseHandle, tenantId: string): Promise<string | undefined> {
  const from = new Date(Date.now() - 30 * dayMs);
  const answer = await channelActivity(handle.db, tenantId, { from });
  const now = Date.now();
  const counted = await channelActivity(handle.db, tenantId, { from, to: new Date(now - 1) }, new Date(now));
  const total = answer.channels.reduce((n, c) => n + c.transactions, 0);
  progress(
    `analytics ${tenantId}: ${total} transactions and ${answer.crossChannelJourneys} handoffs in 30 days, over ${answer.channels.length} channels`,
  );
  if (JSON.stringify(answer) === JSON.stringify(counted)) return undefined;
  return `analytics ${tenantId}: ${JSON.stringify(answer)} from the rollups, ${JSON.stringify(counted)} from the events`;
}
