import pg from "pg";
import { runUnits } from "./units.js";

/** The five actions of one journey, in order: what the benchmark times each of. */
export const journeyActions = ["create", "advance1", "advance2", "advance3", "complete"] as const;
export type JourneyActionName = (typeof journeyActions)[number];

export type WorkloadResult = Readonly<{
  journeys: number;
  elapsedMs: number;
  /** Milliseconds of every call, by action. */
  latencies: Readonly<Record<JourneyActionName, readonly number[]>>;
  failures: readonly string[];
}>;

/** Three steps, none an approval (approvals are not wired on this hub yet): create → advance × 3 → complete. */
export const benchTemplate = {
  id: "tmpl_bench",
  name: "Bench onboarding",
  category: "onboarding",
  steps: [
    { id: "step_kyc", name: "KYC", type: "kyc_check", order: 1, required: true, timeoutHours: 48 },
    {
      id: "step_docs",
      name: "Documents",
      type: "document_upload",
      order: 2,
      required: true,
      documentsRequired: ["trade_license"],
    },
    { id: "step_review", name: "Review", type: "review", order: 3, required: true },
  ],
  slaHours: 120,
};

/**
 * Runs `journeys` units of five timed calls over `concurrency` loops; `step(unit, action)` makes one
 * call and resolves with an error text or undefined.
 */
async function runJourneys(
  journeys: number,
  concurrency: number,
  signal: AbortSignal,
  step: (
    unit: number,
    action: JourneyActionName,
    state: Record<string, string>,
  ) => Promise<string | undefined>,
): Promise<WorkloadResult> {
  const { units, ...rest } = await runUnits(journeyActions, journeys, concurrency, signal, step);
  return { journeys: units, ...rest };
}

/** The hub's side: each journey through the real API. */
export function hubJourneys(
  hubUrl: string,
  key: string,
  journeys: number,
  concurrency: number,
  signal: AbortSignal,
) {
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const post = async (path: string, body: unknown): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${hubUrl}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
    return { status: res.status, text: await res.text() };
  };
  const steps = benchTemplate.steps.map((s) => s.id);
  return runJourneys(journeys, concurrency, signal, async (unit, action, state) => {
    const by = "usr_bench_001";
    const res =
      action === "create"
        ? await post("/api/v1/omni/journeys", {
            templateId: benchTemplate.id,
            customerId: `ent_bench_${unit}`,
            channel: "web",
            assigneeId: by,
          })
        : action === "complete"
          ? await post(`/api/v1/omni/journeys/${state.id}/complete`, { completedBy: by, outcome: "success" })
          : await post(`/api/v1/omni/journeys/${state.id}/advance`, {
              completedStepId: steps[Number(action.slice(-1)) - 1],
              stepOutcome: "passed",
              stepData: { reference: `ref_${unit}` },
              advancedBy: by,
            });
    const expected = action === "create" ? 201 : 200;
    if (res.status !== expected) return `${action} answered ${res.status}: ${res.text.slice(0, 200)}`;
    if (action === "create") state.id = (JSON.parse(res.text) as { data: { id: string } }).data.id;
    return undefined;
  });
}

/**
 * The baseline: the same number of round trips as single-row UPDATEs of a table of its own in the
 * same database, through a pool of the hub's size: what five state changes cost at the least.
 */
export async function baselineJourneys(
  databaseUrl: string,
  poolSize: number,
  journeys: number,
  concurrency: number,
  signal: AbortSignal,
): Promise<WorkloadResult> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  try {
    await pool.query(
      "CREATE TABLE IF NOT EXISTS bench_baseline_journeys (id integer PRIMARY KEY, step integer NOT NULL, updated_at timestamptz NOT NULL)",
    );
    await pool.query(
      "INSERT INTO bench_baseline_journeys SELECT g, 0, now() FROM generate_series(0, $1::int - 1) g ON CONFLICT (id) DO UPDATE SET step = 0",
      [journeys],
    );
    return await runJourneys(journeys, concurrency, signal, async (unit) => {
      const res = await pool.query(
        "UPDATE bench_baseline_journeys SET step = step + 1, updated_at = now() WHERE id = $1",
        [unit],
      );
      return res.rowCount === 1 ? undefined : `update of row ${unit} changed ${res.rowCount} rows`;
    });
  } finally {
    await pool.end();
  }
}
