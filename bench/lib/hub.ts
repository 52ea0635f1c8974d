import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { repoRoot, type ServerProcess, startServer, startTogether } from "./serverProcess.js";

/** The hub's default DATABASE_POOL_SIZE, set explicitly so a baseline can be given the same. */
export const hubPoolSize = 10;

export type HubProcess = ServerProcess & Readonly<{ adminToken: string; topology: HubTopology }>;

/**
 * The hub's per-key rate limit in a run, per minute: on, as in production (one Redis round trip per
 * request), and high enough that one key sending thousands of requests a second is never refused.
 */
export const benchRateLimitPerMinute = 100_000_000;

/**
 * How the hub runs in a benchmark: `one` process with every role (BENCH_HUB_ROLE may name one role
 * instead), or `split` into an API process (`ROLE=api`) and a worker process (`ROLE=worker`), as
 * docker-compose.yml deploys it. Both are production shapes (README, "Roles"); a split hub's CPU
 * and memory are its two processes' sum. Each benchmark names its own; BENCH_HUB_TOPOLOGY overrides.
 */
export type HubTopology = "one" | "split";

function hubTopology(benchmarkDefault: HubTopology = "one"): HubTopology {
  const asked = process.env.BENCH_HUB_TOPOLOGY ?? benchmarkDefault;
  if (asked !== "one" && asked !== "split")
    throw new Error(`BENCH_HUB_TOPOLOGY must be one or split, not ${asked}`);
  return asked;
}

/**
 * The pipelines' benchmarks (webhooks, notifications, inbound) run the hub as docker-compose.yml
 * deploys it: what they measure is work production runs in a worker process, beside an API process
 * taking the requests. In one process the two share one event loop (measured in README, Benchmarks).
 */
export const pipelineTopology: HubTopology = "split";

type HubOptions = {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  signal: AbortSignal;
  nodeArgs?: readonly string[];
  /** Defaults to benchRateLimitPerMinute; 0 turns the rate limiter off. */
  rateLimitPerMinute?: number;
  /** Variables a benchmark needs beside these (they win over the ones above). */
  env?: Readonly<Record<string, string>>;
  /** The benchmark's own topology (default `one`); BENCH_HUB_TOPOLOGY overrides it. */
  topology?: HubTopology;
};

/** Starts the real hub (`src/main.ts`) against the given database and Redis prefix, in the topology asked. */
export async function startHub(options: HubOptions): Promise<HubProcess> {
  const adminToken = randomBytes(32).toString("hex");
  const topology = hubTopology(options.topology);
  if (topology === "one") {
    const role = process.env.BENCH_HUB_ROLE;
    return { ...(await startHubProcess(options, adminToken, role)), adminToken, topology };
  }
  // The API first, so the first URL is the one requests go to. The worker serves its operations
  // endpoints (OPERATIONS_PORT), as docker-compose.yml has it: ready once its workers run. It links
  // to the hub (Twilio's status callbacks, say) through the API's URL, unless the benchmark set one.
  let apiUrl = "";
  const hub = await startTogether("hub", [
    async () => {
      const api = await startHubProcess(options, adminToken, "api");
      apiUrl = api.url;
      return api;
    },
    () => startHubProcess(options, adminToken, "worker", { PUBLIC_BASE_URL: apiUrl }),
  ]);
  return { ...hub, adminToken, topology };
}

function startHubProcess(
  options: HubOptions,
  adminToken: string,
  role?: string,
  defaults: Readonly<Record<string, string>> = {},
): Promise<ServerProcess> {
  return startServer({
    label: role ? `hub (${role})` : "hub",
    ...(role === "worker" ? { portVariable: "OPERATIONS_PORT" } : {}),
    entry: resolve(repoRoot, "src/main.ts"),
    env: {
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(hubPoolSize),
      REDIS_URL: options.redisUrl,
      REDIS_PREFIX: options.redisPrefix,
      // A missing Redis should fail the run, not start a private redis-server that skews the figures.
      REDIS_AUTOSTART: "false",
      ADMIN_TOKEN: adminToken,
      LOG_LEVEL: "warn",
      // One key sends thousands of requests a second: the default 600 a minute would answer 429
      // after the first second. The limiter stays on, as in production, with room for the load.
      RATE_LIMIT_PER_MINUTE: String(options.rateLimitPerMinute ?? benchRateLimitPerMinute),
      ...(role ? { ROLE: role } : {}),
      ...defaults,
      ...options.env,
    },
    // Covers tsx compiling the hub and the migrations of a fresh database.
    readyTimeoutMs: 60_000,
    signal: options.signal,
    // The V8 flag npm start and the Docker image run the hub with.
    nodeArgs: ["--max-semi-space-size=64", ...(options.nodeArgs ?? [])],
  });
}
