import { resolve } from "node:path";
import { repoRoot, type ServerProcess, startServer } from "./serverProcess.js";

/**
 * Starts a bare server from bench/baselines/ in its own process, like the hub, so both sides pay
 * the same process, tsx and network costs. It gets PORT, HOST, DATABASE_URL and DATABASE_POOL_SIZE
 * and must answer GET /readyz with 200 once it can serve.
 */
export async function startBaseline(options: {
  /** File name under bench/baselines/, e.g. "auth.ts". */
  file: string;
  databaseUrl: string;
  poolSize: number;
  signal: AbortSignal;
  nodeArgs?: readonly string[];
  /** Variables of the baseline's own, beside the ones every baseline gets. */
  env?: Readonly<Record<string, string>>;
}): Promise<ServerProcess> {
  return startServer({
    label: "baseline",
    entry: resolve(repoRoot, "bench/baselines", options.file),
    env: {
      ...options.env,
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.poolSize),
    },
    readyTimeoutMs: 30_000,
    signal: options.signal,
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
}
