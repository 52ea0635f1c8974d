import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import type { Logger } from "../logger.js";

export class RedisUnavailableError extends Error {
  override readonly name = "RedisUnavailableError";
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  probe.on("error", () => undefined);
  try {
    await probe.connect();
    return (await probe.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

function isLoopback(host: string): boolean {
  return host === "127.0.0.1" || host === "localhost" || host === "::1" || host === "[::1]";
}

function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

export type LocalRedis = { stop(): Promise<void> } | undefined;

/**
 * Makes sure something answers at REDIS_URL. When nothing does, the URL points at this machine
 * and redis-server is installed, it starts one for the run (nothing kept on disk) and stops it at
 * shutdown. Otherwise it throws with one line saying what to install or set.
 */
export async function ensureRedis(
  url: string,
  options: { autostart: boolean; logger: Logger },
): Promise<LocalRedis> {
  if (await answers(url, 1500)) return undefined;
  const target = new URL(url);
  const cannot = `Redis is not answering at ${target.host}`;
  if (!options.autostart || !isLoopback(target.hostname)) {
    throw new RedisUnavailableError(`${cannot}: start it or set REDIS_URL to a Redis that answers`);
  }
  if (!redisServerInstalled()) {
    throw new RedisUnavailableError(
      `${cannot} and redis-server is not installed: install it (apt-get install redis-server) or set REDIS_URL`,
    );
  }
  const port = target.port || "6379";
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
    { stdio: "ignore" },
  );
  for (let attempt = 0; attempt < 50; attempt++) {
    if (child.exitCode !== null) break;
    if (await answers(url, 500)) {
      options.logger.info({ port }, "started a local redis-server for this run");
      return {
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGTERM");
          }),
      };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill("SIGKILL");
  throw new RedisUnavailableError(`${cannot} and a local redis-server could not be started on port ${port}`);
}
