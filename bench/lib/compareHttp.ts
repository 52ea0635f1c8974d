import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type AdminClient, adminClient } from "./admin.js";
import { startBaseline } from "./baseline.js";
import { countRows, createBenchDatabase, vacuumAnalyze } from "./database.js";
import { hubPoolSize, startHub } from "./hub.js";
import { type LoadRequest, type LoadResult, loadFailures, probe, runLoad } from "./load.js";
import { progress } from "./log.js";
import { type Memory, readMemory } from "./memory.js";
import { deleteBullKeys } from "./redis.js";
import type { ServerProcess } from "./serverProcess.js";
import { Teardown } from "./teardown.js";
import type { BenchOptions, Comparison, Figure, Round, RowCount } from "./types.js";

/**
 * What a benchmark gets once the hub is ready, to create the data its requests need: the admin API,
 * and the hub's address for data made through its public API (customers who will return).
 */
export type HubContext = Readonly<{ admin: AdminClient; hubUrl: string }>;

export type HttpComparisonPlan = Readonly<{
  /** The bare server, a file under bench/baselines/. */
  baselineFile: string;
  /** Runs once, before load: creates tenants, keys and rows, and says what each side is asked. */
  prepare(hub: HubContext): Promise<Readonly<{ hub: LoadRequest; baseline: LoadRequest }>>;
  /**
   * For requests that create something: the table each side's 2xx answer adds one row to. The rows
   * are counted before the probe and after the load, and the run fails unless they match the answers.
   */
  rowsWritten?: Readonly<{ hub: string; baseline: string }>;
  /**
   * Also measures a second hub with its rate limiter off (in a database and Redis prefix of its
   * own, prepared the same way) in the same alternating rounds, to show what the limiter costs.
   */
  alsoWithRateLimiterOff?: boolean;
}>;

type SideName = "hub" | "baseline" | "hubLimiterOff";
const sideLabels: Record<SideName, string> = {
  hub: "hub",
  baseline: "baseline",
  hubLimiterOff: "hub, rate limiter off",
};
/** One side of the comparison, and what is counted for it as the run goes. */
type Side = {
  readonly name: SideName;
  readonly server: ServerProcess;
  readonly request: LoadRequest;
  /** The database its requests write to. */
  readonly databaseUrl: string;
  /** Rows in its table before the probe, for benchmarks whose requests write one each. */
  readonly rowsBefore: number;
  answered2xx: number;
  sent: number;
  /** Resident memory before its warm-up. */
  idle: Memory | undefined;
  loads: LoadResult[];
};
type Measured = Readonly<{ loads: readonly LoadResult[]; idle: Memory; after: Memory }>;

/**
 * The lifecycle every HTTP benchmark shares: a fresh database and Redis prefix, the real hub and
 * a bare baseline in their own processes, a probe, a warm-up of each and alternating measured rounds, their
 * memory, and a cleanup that runs whatever happened.
 */
export async function compareHttp(options: BenchOptions, plan: HttpComparisonPlan): Promise<Comparison> {
  const teardown = new Teardown();
  let comparison: Comparison;
  let cleanupFailures: string[];
  try {
    comparison = await measureBothSides(options, plan, teardown);
  } finally {
    cleanupFailures = await teardown.run();
    for (const failure of cleanupFailures) progress(failure);
  }
  return { ...comparison, failures: [...comparison.failures, ...cleanupFailures] };
}

async function measureBothSides(
  options: BenchOptions,
  plan: HttpComparisonPlan,
  teardown: Teardown,
): Promise<Comparison> {
  const { hub, database, requests } = await startPreparedHub(options, plan, teardown, "hub");
  const limiterOff = plan.alsoWithRateLimiterOff
    ? await startPreparedHub(options, plan, teardown, "hubLimiterOff")
    : undefined;

  const baseline = await startBaseline({
    file: plan.baselineFile,
    databaseUrl: database.url,
    poolSize: hubPoolSize,
    signal: options.signal,
    ...cpuProfileArgs(options, "baseline"),
  });
  teardown.defer("stop baseline", () => stopAndShowOutput(baseline));
  progress(`baseline ready at ${baseline.url} (pid ${baseline.pid})`);

  const tables = plan.rowsWritten;
  const tableOf = (name: SideName) => (tables ? tables[name === "baseline" ? "baseline" : "hub"] : undefined);
  const sideOf = async (
    name: SideName,
    server: ServerProcess,
    request: LoadRequest,
    databaseUrl: string,
  ): Promise<Side> => ({
    name,
    server,
    request,
    databaseUrl,
    rowsBefore: tables ? await countRows(databaseUrl, tableOf(name) as string) : 0,
    answered2xx: 0,
    sent: 0,
    idle: undefined,
    loads: [],
  });
  const baselineSide = await sideOf("baseline", baseline, requests.baseline, database.url);
  const hubSide = await sideOf("hub", hub, requests.hub, database.url);
  const limiterOffSide = limiterOff
    ? await sideOf("hubLimiterOff", limiterOff.hub, limiterOff.requests.hub, limiterOff.database.url)
    : undefined;
  const sides: readonly Side[] = limiterOffSide
    ? [baselineSide, hubSide, limiterOffSide]
    : [baselineSide, hubSide];

  // Every request the side was sent, probe included, for the row count.
  const tally = (side: Side, load: Pick<LoadResult, "answered2xx" | "sent">) => {
    side.answered2xx += load.answered2xx;
    side.sent += load.sent;
  };
  for (const side of sides) {
    await probe(side.server.url, side.request);
    tally(side, { answered2xx: 1, sent: 1 });
  }

  const failures: string[] = [];
  const shape = { connections: options.connections, signal: options.signal };
  for (const side of sides) {
    side.idle = await readMemory(side.server.pids);
    if (options.warmupS > 0) {
      progress(`${sideLabels[side.name]}: warm-up ${options.warmupS} s`);
      const warmup = await runLoad(side.server.url, side.request, { ...shape, durationS: options.warmupS });
      failures.push(...loadFailures(`${sideLabels[side.name]} warm-up`, warmup));
      tally(side, warmup);
    }
  }
  // After the warm-ups, the state a production database would be in (see vacuumAnalyze).
  for (const url of new Set(sides.map((side) => side.databaseUrl))) await vacuumAnalyze(url);
  const rounds: Round[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const side of sides) {
      progress(
        `${sideLabels[side.name]}: round ${round}/${options.rounds}, measuring ${options.durationS} s with ${options.connections} connections`,
      );
      const load = await runLoad(side.server.url, side.request, { ...shape, durationS: options.durationS });
      failures.push(...loadFailures(`${sideLabels[side.name]} round ${round}`, load));
      tally(side, load);
      side.loads.push(load);
    }
    const done = roundOf(
      hubSide.loads[round - 1] as LoadResult,
      baselineSide.loads[round - 1] as LoadResult,
      limiterOffSide?.loads[round - 1],
    );
    rounds.push(done);
    const off = done.hubLimiterOff;
    progress(
      `round ${round}: throughput ${(done.hub.reqPerSec / done.baseline.reqPerSec).toFixed(2)}x, ` +
        `p99 ${(done.hub.latencyP99Ms / done.baseline.latencyP99Ms).toFixed(2)}x` +
        (off
          ? `; rate limiter off: throughput ${(off.reqPerSec / done.baseline.reqPerSec).toFixed(2)}x, ` +
            `p99 ${(off.latencyP99Ms / done.baseline.latencyP99Ms).toFixed(2)}x`
          : ""),
    );
  }
  const measuredSide = async (side: Side): Promise<Measured> => {
    if (!side.idle) throw new Error(`no idle memory for ${side.name}`);
    return { loads: side.loads, idle: side.idle, after: await readMemory(side.server.pids) };
  };
  const figures = [
    ...figuresOf(await measuredSide(hubSide), await measuredSide(baselineSide)),
    ...(limiterOffSide ? limiterOffFigures(limiterOffSide.loads, baselineSide.loads) : []),
  ];
  if (!tables) return { figures, failures, rounds };

  const rows: RowCount[] = [];
  for (const side of sides) {
    const table = tableOf(side.name) as string;
    const label = sideLabels[side.name];
    const written = (await settledCount(side.databaseUrl, table)) - side.rowsBefore;
    const { answered2xx, sent } = side;
    rows.push({ side: label, table, rows: written, answered2xx, sent });
    progress(`${label}: ${written} rows in ${table} for ${answered2xx} 2xx answers, ${sent} requests sent`);
    if (written < answered2xx) {
      failures.push(`${label}: ${written} rows in ${table}, fewer than its ${answered2xx} 2xx answers`);
    } else if (written > sent) {
      failures.push(`${label}: ${written} rows in ${table}, more than the ${sent} requests it was sent`);
    }
  }
  return { figures, failures, rows, rounds };
}

/**
 * A hub in a fresh database and Redis prefix of its own, with what the plan prepares in it. The
 * rate-limiter-off hub gets its own, so neither hub's workers see the other's rows.
 */
async function startPreparedHub(
  options: BenchOptions,
  plan: HttpComparisonPlan,
  teardown: Teardown,
  name: "hub" | "hubLimiterOff",
) {
  const database = await createBenchDatabase(options.databaseUrl);
  teardown.defer(`drop database ${database.name}`, database.drop);
  progress(`database ${database.name} created`);

  const redisPrefix = `bench${randomBytes(6).toString("hex")}`;
  teardown.defer(`delete Redis keys {${redisPrefix}}*`, async () => {
    const deleted = await deleteBullKeys(options.redisUrl, redisPrefix);
    progress(`deleted ${deleted} Redis keys of {${redisPrefix}}`);
  });

  const hub = await startHub({
    databaseUrl: database.url,
    redisUrl: options.redisUrl,
    redisPrefix,
    signal: options.signal,
    ...(name === "hubLimiterOff" ? { rateLimitPerMinute: 0 } : {}),
    ...cpuProfileArgs(options, name),
  });
  teardown.defer(`stop ${sideLabels[name]}`, () => stopAndShowOutput(hub));
  progress(`${sideLabels[name]} ready at ${hub.url} (pid ${hub.pid})`);

  const requests = await plan.prepare({ admin: adminClient(hub.url, hub.adminToken), hubUrl: hub.url });
  return { hub, database, requests };
}

const settlePollMs = 250;
const settleMaxPolls = 40;

/**
 * The table's row count once the requests still running when the load stopped have finished: the
 * same count twice in a row, polled for at most 10 s.
 */
async function settledCount(databaseUrl: string, table: string): Promise<number> {
  let previous = await countRows(databaseUrl, table);
  for (let poll = 0; poll < settleMaxPolls; poll++) {
    await sleep(settlePollMs);
    const current = await countRows(databaseUrl, table);
    if (current === previous) return current;
    previous = current;
  }
  throw new Error(
    `rows in ${table} still changing ${(settlePollMs * settleMaxPolls) / 1000} s after the load`,
  );
}

/**
 * The profiling flags of one child, as the run asked: `node --cpu-prof` into `<dir>/<label>-<time>/`
 * (Node names each file itself, `CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`: the tsx loader
 * runs in a thread of its own and writes a second profile, and one fixed name would let the two
 * overwrite each other; the request path is in the thread 0 file), and `--perf-basic-prof` for
 * `perf` (its map goes to /tmp/perf-<pid>.map, where perf looks).
 */
export function cpuProfileArgs(options: BenchOptions, label: string): { nodeArgs?: string[] } {
  const args: string[] = [];
  if (options.cpuProfileDir) {
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    args.push("--cpu-prof", `--cpu-prof-dir=${join(options.cpuProfileDir, `${label}-${stamp}`)}`);
  }
  if (options.perfMap) args.push("--perf-basic-prof");
  return args.length > 0 ? { nodeArgs: args } : {};
}

const mebibyte = 1024 * 1024;

/** The middle value; the mean of the two middle ones for an even count. */
function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function roundOf(hub: LoadResult, baseline: LoadResult, hubLimiterOff: LoadResult | undefined): Round {
  const figures = (l: LoadResult) => ({ reqPerSec: l.requestsPerSecond, latencyP99Ms: l.latencyMs.p99 });
  return {
    hub: figures(hub),
    baseline: figures(baseline),
    ...(hubLimiterOff ? { hubLimiterOff: figures(hubLimiterOff) } : {}),
  };
}

/** The rate-limiter-off hub's load figures against the same baseline rounds. */
function limiterOffFigures(hub: readonly LoadResult[], baseline: readonly LoadResult[]): Figure[] {
  const of = (key: string, label: string, pick: (l: LoadResult) => number): Figure => ({
    key,
    label,
    hub: median(hub.map(pick)),
    baseline: median(baseline.map(pick)),
  });
  return [
    of("reqPerSecLimiterOff", "rate limiter off: throughput, req/s", (l) => l.requestsPerSecond),
    of("latencyP99MsLimiterOff", "rate limiter off: latency p99, ms", (l) => l.latencyMs.p99),
  ];
}

function figuresOf(hub: Measured, baseline: Measured): Figure[] {
  const figure = (key: string, label: string, of: (m: Measured) => number): Figure => ({
    key,
    label,
    hub: of(hub),
    baseline: of(baseline),
  });
  const ofRounds = (of: (load: LoadResult) => number) => (m: Measured) => median(m.loads.map(of));
  return [
    figure(
      "reqPerSec",
      "throughput, req/s (mean)",
      ofRounds((l) => l.requestsPerSecond),
    ),
    figure(
      "latencyP50Ms",
      "latency p50, ms",
      ofRounds((l) => l.latencyMs.p50),
    ),
    figure(
      "latencyP97_5Ms",
      "latency p97.5, ms",
      ofRounds((l) => l.latencyMs.p97_5),
    ),
    figure(
      "latencyP99Ms",
      "latency p99, ms",
      ofRounds((l) => l.latencyMs.p99),
    ),
    figure("rssIdleMiB", "RSS before load, MiB", (m) => m.idle.rssBytes / mebibyte),
    figure("rssAfterMiB", "RSS after load, MiB", (m) => m.after.rssBytes / mebibyte),
    figure("rssPeakMiB", "RSS peak (VmHWM), MiB", (m) => m.after.peakRssBytes / mebibyte),
  ];
}

async function stopAndShowOutput(server: ServerProcess): Promise<void> {
  await server.stop();
  // The hub logs at warn: anything it wrote during a run is worth seeing next to the figures.
  const output = server.output().trim();
  if (output) progress(`${server.label} wrote (last ${output.length} characters):\n${output}`);
}
