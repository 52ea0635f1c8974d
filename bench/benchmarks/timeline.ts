import { randomBytes } from "node:crypto";
import { adminClient } from "../lib/admin.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { createBenchDatabase } from "../lib/database.js";
import { startHub } from "../lib/hub.js";
import { type LoadRequest, type LoadResult, loadFailures, probe, runLoad } from "../lib/load.js";
import { progress } from "../lib/log.js";
import { deleteBullKeys } from "../lib/redis.js";
import type { ServerProcess } from "../lib/serverProcess.js";
import { Teardown } from "../lib/teardown.js";
import {
  customerEventCount,
  fillEvents,
  timelineCustomerEvents,
  timelineCustomerId,
} from "../lib/timelineEvents.js";
import type { Benchmark, BenchOptions, Comparison, Figure, Round } from "../lib/types.js";

const smallTable = 1_000;
const largeTable = 1_000_000;

type Side = { label: string; hub: ServerProcess; request: LoadRequest; loads: LoadResult[] };

/**
 * A hub on a database of its own whose events table holds `total` events, the measured customer's
 * 500 among them, with a tenant, a key of scope omni:read and the user the events name.
 */
async function preparedSide(
  options: BenchOptions,
  teardown: Teardown,
  label: string,
  total: number,
): Promise<Side> {
  const database = await createBenchDatabase(options.databaseUrl);
  teardown.defer(`drop database ${database.name}`, database.drop);
  const redisPrefix = `bench${randomBytes(6).toString("hex")}`;
  teardown.defer(`delete Redis keys {${redisPrefix}}*`, () => deleteBullKeys(options.redisUrl, redisPrefix));
  const hub = await startHub({
    databaseUrl: database.url,
    redisUrl: options.redisUrl,
    redisPrefix,
    signal: options.signal,
    ...cpuProfileArgs(options, label.replaceAll(/[^a-z0-9]+/gi, "-")),
  });
  teardown.defer(`stop hub (${label})`, () => hub.stop());
  const admin = adminClient(hub.url, hub.adminToken);
  const tenant = await admin.createTenant({ slug: "bench-timeline", name: "Bench timeline" });
  const { key } = await admin.createApiKey({ tenantId: tenant.id, name: "timeline", scopes: ["omni:read"] });
  await admin.saveUser(tenant.id, "usr_bench_001", { name: "Bench RM", role: "relationship_manager" });
  const started = performance.now();
  await fillEvents(database.url, tenant.id, total);
  progress(`${label}: ${total} events written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const own = await customerEventCount(database.url, tenant.id);
  if (own !== timelineCustomerEvents) throw new Error(`${label}: the customer has ${own} events`);
  return {
    label,
    hub,
    // The SDK example's query: a customer's timeline, first page of 50.
    request: {
      path: `/api/v1/omni/timeline?entityId=${timelineCustomerId}&entityType=customer&perPage=50`,
      headers: { authorization: `Bearer ${key}` },
    },
    loads: [],
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * One customer's timeline (GET /api/v1/omni/timeline, 50 newest of the customer's 500 events) read
 * from a table of 1,000,000 events against the same read from a table of 1,000: two hubs, each on
 * a database of its own, measured in alternating rounds. The target: p99 at a million at
 * most 2 × p99 at a thousand, i.e. the read is bound by the index range of one customer, not by
 * the table. In the table, "hub" is the million and "baseline" the thousand.
 */
export const benchmark: Benchmark = {
  summary: "GET /api/v1/omni/timeline for one customer, 1,000,000 events in the table vs 1,000",
  targets: [{ key: "latencyP99Ms", atMost: 2 }],
  async run(options): Promise<Comparison> {
    const teardown = new Teardown();
    try {
      const small = await preparedSide(options, teardown, `${smallTable} events`, smallTable);
      const large = await preparedSide(options, teardown, `${largeTable} events`, largeTable);
      const sides = [small, large];
      const failures: string[] = [];
      const shape = { connections: options.connections, signal: options.signal };
      for (const side of sides) await probe(side.hub.url, side.request);
      if (options.warmupS > 0) {
        for (const side of sides) {
          progress(`${side.label}: warm-up ${options.warmupS} s`);
          const warmup = await runLoad(side.hub.url, side.request, { ...shape, durationS: options.warmupS });
          failures.push(...loadFailures(`${side.label} warm-up`, warmup));
        }
      }
      const rounds: Round[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        for (const side of sides) {
          progress(`${side.label}: round ${round}/${options.rounds}, ${options.durationS} s`);
          const load = await runLoad(side.hub.url, side.request, { ...shape, durationS: options.durationS });
          failures.push(...loadFailures(`${side.label} round ${round}`, load));
          side.loads.push(load);
        }
        const of = (l: LoadResult | undefined) => ({
          reqPerSec: l?.requestsPerSecond ?? Number.NaN,
          latencyP99Ms: l?.latencyMs.p99 ?? Number.NaN,
        });
        const done = { hub: of(large.loads.at(-1)), baseline: of(small.loads.at(-1)) };
        rounds.push(done);
        progress(
          `round ${round}: p99 ${done.hub.latencyP99Ms} ms at a million, ${done.baseline.latencyP99Ms} ms at a thousand ` +
            `(${(done.hub.latencyP99Ms / done.baseline.latencyP99Ms).toFixed(2)}x)`,
        );
      }
      const figure = (key: string, label: string, pick: (l: LoadResult) => number): Figure => ({
        key,
        label: `${label} (hub: ${largeTable} events, baseline: ${smallTable})`,
        hub: median(large.loads.map(pick)),
        baseline: median(small.loads.map(pick)),
      });
      const figures = [
        figure("reqPerSec", "throughput, req/s", (l) => l.requestsPerSecond),
        figure("latencyP50Ms", "latency p50, ms", (l) => l.latencyMs.p50),
        figure("latencyP99Ms", "latency p99, ms", (l) => l.latencyMs.p99),
      ];
      return { figures, failures, rounds };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
