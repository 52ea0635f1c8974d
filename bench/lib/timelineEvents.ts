import pg from "pg";

/** The customer whose timeline the benchmark reads; it has the same events in every table size. */
export const timelineCustomerId = "ent_bench_target";
/** The measured customer's events: ten pages of the default 50. */
export const timelineCustomerEvents = 500;
/** The other customers the rest of the table belongs to. */
const otherCustomers = 10_000;

/**
 * Fills the events table of a run's database to `total` rows in one `INSERT ... SELECT` from
 * generate_series (a million rows in well under a minute, every index and trigger of the table in
 * place): `timelineCustomerEvents` of them for the measured customer, the rest spread over
 * `otherCustomers` customers of the same tenant and interleaved in time with them, as journey and
 * ticket events of a busy tenant would be. All are taken out of the relay's outbox in the
 * transaction that adds them, so the hub's outbox relay has no work from them. Then VACUUM ANALYZE, as autovacuum would leave a table of that size, and a
 * CHECKPOINT where the role may run one.
 */
export async function fillEvents(databaseUrl: string, tenantId: string, total: number): Promise<void> {
  if (total < timelineCustomerEvents) throw new Error(`at least ${timelineCustomerEvents} events`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Every (total / 500)th row is the measured customer's, so its events span the whole period.
    const every = Math.floor(total / timelineCustomerEvents);
    await client.query("SET statement_timeout = 0");
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, actor_id, channel,
         customer_id, payload, occurred_at)
       SELECT 'evt_' || lpad(to_hex(g), 32, '0'), $1::text, 'omni.journey.advanced', 'journey',
         'jrn_bench_' || (g % 50000), 'user', 'usr_bench_001', 'web',
         CASE WHEN g % $3::int = 0 AND g / $3::int <= $4::int THEN $5::text ELSE 'ent_bench_' || (g % $6::int) END,
         jsonb_build_object('journeyId', 'jrn_bench_' || (g % 50000), 'templateId', 'tmpl_bench',
           'stepId', 'step_kyc', 'outcome', 'passed'),
         now() - make_interval(secs => g)
       FROM generate_series(1, $2::int) g`,
      [tenantId, total, every, timelineCustomerEvents, timelineCustomerId, otherCustomers],
    );
    await client.query(
      "DELETE FROM event_outbox o USING events e WHERE e.id = o.event_id AND e.tenant_id = $1",
      [tenantId],
    );
    await client.query("COMMIT");
    await client.query("VACUUM ANALYZE events");
    // The fill's WAL would otherwise be checkpointed during the first measured rounds.
    await client.query("CHECKPOINT").catch(() => undefined);
  } finally {
    await client.end();
  }
}

/** Events of the measured customer in the run's database: the same in both sizes, or the run is wrong. */
export async function customerEventCount(databaseUrl: string, tenantId: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM events WHERE tenant_id = $1 AND customer_id = $2",
      [tenantId, timelineCustomerId],
    );
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}
