import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHub } from "../src/hub.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { startProcessHub } from "./support/processHub.js";
import { deleteRedisKeys, testRedisPrefix } from "./support/redis.js";

/**
 * A worker process serves no API, and its counters live in its own memory: with OPERATIONS_PORT it
 * answers /healthz, /readyz and /metrics (behind the metrics guard) so they can be scraped.
 */
const adminToken = "worker-operations-admin-token-0123456789abcdef0123456789";
const metricsToken = "worker-operations-metrics-token-0123456789";
const prefix = testRedisPrefix();
const dataDir = mkdtempSync(join(tmpdir(), "sbt-worker-ops-"));
let database: TestDatabase;
const running: RunningHub[] = [];

async function start(variables: Record<string, string>) {
  const hub = await startProcessHub(
    { databaseUrl: database.url, redisPrefix: prefix, dataDir },
    { NODE_ENV: "production", ADMIN_TOKEN: adminToken, METRICS_TOKEN: metricsToken, ...variables },
  );
  running.push(hub);
  return hub;
}

beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);
afterAll(async () => {
  for (const hub of running) await hub.stop();
  await database?.drop();
  await deleteRedisKeys(prefix);
  rmSync(dataDir, { recursive: true, force: true });
});

describe("a worker's operations endpoints", () => {
  it("answer liveness, readiness and the worker's own metrics on OPERATIONS_PORT", async () => {
    const worker = await start({ ROLE: "worker", OPERATIONS_PORT: "0" });
    expect(worker.url).toBeUndefined();
    const base = worker.operationsUrl as string;
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: "ready",
      checks: { database: { status: "up" }, redis: { status: "up" } },
    });

    // In production the metrics need their token, as on the API.
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    // The outbox relay runs in this process on its schedule: its completed jobs are this process's count.
    await expect
      .poll(
        async () => {
          const res = await fetch(`${base}/metrics`, {
            headers: { authorization: `Bearer ${metricsToken}` },
          });
          return res.status === 200 ? await res.text() : `status ${res.status}`;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toMatch(/switchboard_jobs_processed_total\{queue="outbox-relay",outcome="completed"\} [1-9]/);

    const unknown = await fetch(`${base}/api/v1/me`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()) as { error?: unknown }).toHaveProperty("error");
  }, 30_000);

  it("are not served without OPERATIONS_PORT, nor by a process that serves the API", async () => {
    const worker = await start({ ROLE: "worker" });
    expect(worker.operationsUrl).toBeUndefined();
    const api = await start({ ROLE: "api", OPERATIONS_PORT: "0" });
    expect(api.operationsUrl).toBeUndefined();
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
