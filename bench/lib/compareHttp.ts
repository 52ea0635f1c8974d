import { randomBytes } from "node:crypto";
import { type AdminClient, adminClient } from "./admin.js";
import { startBaseline } from "./baseline.js";
import { createBenchDatabase } from "./database.js";
import { hubPoolSize, startHub } from "./hub.js";
import { type LoadRequest, type LoadResult, loadFailures, probe, runLoad } from "./load.js";
import { progress } from "./log.js";
import { type Memory, readMemory } from "./memory.js";
import { deleteBullKeys } from "./redis.js";
import type { ServerProcess } from "./serverProcess.js";
import { Teardown } from "./teardown.js";
import type { BenchOptions, Comparison, Figure } from "./types.js";

/** What a benchmark gets once the hub is ready, to create the data its requests need. */
export type HubContext = Readonly<{ admin: AdminClient }>;

export type HttpComparisonPlan = Readonly<{
  /** The bare server, a file under bench/baselines/. */
  baselineFile: string;
  /** Runs once, before load: creates tenants, keys and rows, and says what each side is asked. */
  prepare(hub: HubContext): Promise<Readonly<{ hub: LoadRequest; baseline: LoadRequest }>>;
}>;

type Side = Readonly<{ name: "hub" | "baseline"; server: ServerProcess; request: LoadRequest }>;
type Measured = Readonly<{ load: LoadResult; idle: Memory; after: Memory }>;

/**
 * The lifecycle every HTTP benchmark shares: a fresh database and Redis prefix, the real hub and
 * a bare baseline in their own processes, a probe, a warm-up and a measured run of each, their
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
  });
  teardown.defer("stop hub", () => stopAndShowOutput(hub));
  progress(`hub ready at ${hub.url} (pid ${hub.pid})`);

  const requests = await plan.prepare({ admin: adminClient(hub.url, hub.adminToken) });

  const baseline = await startBaseline({
    file: plan.baselineFile,
    databaseUrl: database.url,
    poolSize: hubPoolSize,
    signal: options.signal,
  });
  teardown.defer("stop baseline", () => stopAndShowOutput(baseline));
  progress(`baseline ready at ${baseline.url} (pid ${baseline.pid})`);

  const sides: readonly Side[] = [
    { name: "baseline", server: baseline, request: requests.baseline },
    { name: "hub", server: hub, request: requests.hub },
  ];
  for (const side of sides) await probe(side.server.url, side.request);

  const measured = new Map<Side["name"], Measured>();
  const failures: string[] = [];
  for (const side of sides) {
    const idle = await readMemory(side.server.pid);
    const shape = { connections: options.connections, signal: options.signal };
    if (options.warmupS > 0) {
      progress(`${side.name}: warm-up ${options.warmupS} s`);
      const warmup = await runLoad(side.server.url, side.request, { ...shape, durationS: options.warmupS });
      failures.push(...loadFailures(`${side.name} warm-up`, warmup));
    }
    progress(`${side.name}: measuring ${options.durationS} s with ${options.connections} connections`);
    const load = await runLoad(side.server.url, side.request, { ...shape, durationS: options.durationS });
    failures.push(...loadFailures(side.name, load));
    measured.set(side.name, { load, idle, after: await readMemory(side.server.pid) });
  }
  return { figures: figuresOf(pick(measured, "hub"), pick(measured, "baseline")), failures };
}

function pick(measured: ReadonlyMap<Side["name"], Measured>, name: Side["name"]): Measured {
  const found = measured.get(name);
  if (!found) throw new Error(`no measurement for ${name}`);
  return found;
}

const mebibyte = 1024 * 1024;

function figuresOf(hub: Measured, baseline: Measured): Figure[] {
  const figure = (key: string, label: string, of: (m: Measured) => number): Figure => ({
    key,
    label,
    hub: of(hub),
    baseline: of(baseline),
  });
  return [
    figure("reqPerSec", "throughput, req/s (mean)", (m) => m.load.requestsPerSecond),
    figure("latencyP50Ms", "latency p50, ms", (m) => m.load.latencyMs.p50),
    figure("latencyP97_5Ms", "latency p97.5, ms", (m) => m.load.latencyMs.p97_5),
    figure("latencyP99Ms", "latency p99, ms", (m) => m.load.latencyMs.p99),
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
