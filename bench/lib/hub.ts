import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { repoRoot, type ServerProcess, startServer } from "./serverProcess.js";

/** The hub's default DATABASE_POOL_SIZE, set explicitly so a baseline can be given the same. */
export const hubPoolSize = 10;

export type HubProcess = ServerProcess & Readonly<{ adminToken: string }>;

/**
 * The hub's per-key rate limit in a run, per minute: on, as in production (one Redis round trip per
 * request), and high enough that one key sending thousands of requests a second is never refused.
 */
export const benchRateLimitPerMinute = 100_000_000;

/** Starts the real hub (`src/main.ts`, every role) against the given database and Redis prefix. */
export async function startHub(options: {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  signal: AbortSignal;
  nodeArgs?: readonly string[];
  /** Defaults to benchRateLimitPerMinute; 0 turns the rate limiter off. */
  rateLimitPerMinute?: number;
  /** Variables a benchmark needs besides these (channel secret keys, a public URL). */
  env?: Readonly<Record<string, string>>;
}): Promise<HubProcess> {
  const adminToken = randomBytes(32).toString("hex");
  const server = await startServer({
    label: "hub",
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
      ...(process.env.BENCH_HUB_ROLE ? { ROLE: process.env.BENCH_HUB_ROLE } : {}),
      ...options.env,
    },
    // Covers tsx compiling the hub and the migrations of a fresh database.
    readyTimeoutMs: 60_000,
    signal: options.signal,
    // The V8 flag npm start and the Docker image run the hub with.
    nodeArgs: ["--max-semi-space-size=64", ...(options.nodeArgs ?? [])],
  });
  return { ...server, adminToken };
}
