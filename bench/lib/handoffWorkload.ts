import pg from "pg";
import { runUnits, type UnitsResult } from "./units.js";

/** One handoff-and-resume pair: what the benchmark times each half of. */
export const handoffActions = ["handoff", "resume"] as const;
export type HandoffResult = UnitsResult<(typeof handoffActions)[number]>;

type Answer = { status: number; text: string };

function hubClient(hubUrl: string, key: string) {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  return async (path: string, body: unknown): Promise<Answer> => {
    const res = await fetch(`${hubUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
}

/** Customers for the sessions to belong to, created through the hub's API. */
export async function createCustomers(hubUrl: string, key: string, count: number): Promise<string[]> {
  const post = hubClient(hubUrl, key);
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await post("/api/v1/customers", { name: `Bench customer ${i}` });
    if (res.status !== 201) throw new Error(`customer: ${res.status} ${res.text.slice(0, 200)}`);
    ids.push((JSON.parse(res.text) as { customer_id: string }).customer_id);
  }
  return ids;
}

/**
 * Opens `count` web sessions over the customers, `concurrency` at a time: each pair hands one over,
 * and a handed-over session is closed, so every round needs its own. Not timed.
 */
export async function openSessions(
  hubUrl: string,
  key: string,
  customers: readonly string[],
  count: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<string[]> {
  const post = hubClient(hubUrl, key);
  const sessions: string[] = new Array(count);
  const result = await runUnits(["open"], count, concurrency, signal, async (unit) => {
    const res = await post("/api/v1/sessions", {
      customer_id: customers[unit % customers.length],
      channel: "WEB",
      device_id: "browser-bench",
    });
    if (res.status !== 201) return `session answered ${res.status}: ${res.text.slice(0, 200)}`;
    sessions[unit] = (JSON.parse(res.text) as { session_id: string }).session_id;
    return undefined;
  });
  if (result.failures.length > 0) throw new Error(result.failures.join("; "));
  return sessions;
}

/** The hub's side: each pair through the real API, as the document's examples make them. */
export function hubHandoffs(
  hubUrl: string,
  key: string,
  sessions: readonly string[],
  concurrency: number,
  signal: AbortSignal,
): Promise<HandoffResult> {
  const post = hubClient(hubUrl, key);
  return runUnits(handoffActions, sessions.length, concurrency, signal, async (unit, action, state) => {
    if (action === "handoff") {
      const res = await post("/api/v1/sessions/handoff", {
        source_session_id: sessions[unit],
        target_channel: "MOBILE_IOS",
        context: { current_flow: "PAYMENT", transaction_draft_id: `draft_${unit}` },
      });
      if (res.status !== 201) return `handoff answered ${res.status}: ${res.text.slice(0, 200)}`;
      state.token = (JSON.parse(res.text) as { handoff_token: string }).handoff_token;
      return undefined;
    }
    const res = await post("/api/v1/sessions/resume", {
      handoff_token: state.token,
      channel: "MOBILE_IOS",
      device_id: "device_bench",
    });
    if (res.status !== 200) return `resume answered ${res.status}: ${res.text.slice(0, 200)}`;
    return undefined;
  });
}

/**
 * The baseline: per pair, the two single-row round trips a handoff and a resume cannot do without
 * (an INSERT of the handoff row, an UPDATE marking it resumed) on a table of its own in the same
 * database, through a pool of the hub's size.
 */
export async function baselineHandoffs(
  databaseUrl: string,
  poolSize: number,
  pairs: number,
  round: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<HandoffResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  try {
    await pool.query(
      "CREATE TABLE IF NOT EXISTS bench_baseline_handoffs (id text PRIMARY KEY, context jsonb NOT NULL, created_at timestamptz NOT NULL, resumed_at timestamptz)",
    );
    return await runUnits(handoffActions, pairs, concurrency, signal, async (unit, action) => {
      const id = `${round}.${unit}`;
      const res =
        action === "handoff"
          ? await pool.query("INSERT INTO bench_baseline_handoffs VALUES ($1, $2, now(), NULL)", [
              id,
              JSON.stringify({ current_flow: "PAYMENT", transaction_draft_id: `draft_${unit}` }),
            ])
          : await pool.query("UPDATE bench_baseline_handoffs SET resumed_at = now() WHERE id = $1", [id]);
      return res.rowCount === 1 ? undefined : `${action} of row ${id} changed ${res.rowCount} rows`;
    });
  } finally {
    await pool.end();
  }
}
