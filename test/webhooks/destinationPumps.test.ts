import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createRedisConnection } from "../../queues/connection.js";
import { createLogger } from "../../src/logger.js";
import { destinationLimiter } from "../../src/webhooks/destinationLimiter.js";
import { destinationPumps } from "../../src/webhooks/destinationPumps.js";
import { testRedisUrl } from "../support/env.js";

const redis = createRedisConnection(testRedisUrl, "client");
afterAll(() => redis.disconnect());

const limits = { maxConcurrency: 2, ratePerSecond: 10_000 };

/**
 * Pumps on a limiter of their own key prefix; `recalled` lists the batch jobs called back, in order,
 * and `waiting` says whether one still waited in Redis to be called.
 */
function newPumps(waiting: (jobId: string) => boolean = () => true) {
  const recalled: string[] = [];
  const pumps = destinationPumps({
    limiter: destinationLimiter(
      redis,
      `test-pumps-${randomBytes(4).toString("hex")}`,
      createLogger({ level: "silent", pretty: false }),
    ),
    holdMs: 30_000,
    maxAttempts: 10,
    onRefused: () => undefined,
    recall: async (jobId) => {
      recalled.push(jobId);
      return waiting(jobId);
    },
  });
  return { pumps, recalled };
}

/** Attempts that wait until the test lets them end, each batch job's on its own gate. */
function heldAttempts() {
  const started: string[] = [];
  const gate = () => {
    let open: () => void = () => undefined;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    const run = async (deliveryId: string) => {
      started.push(deliveryId);
      await opened;
    };
    return { open, run };
  };
  return { started, gate };
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe("a destination's line in a worker process", () => {
  it("sends away a batch job that finds the line full, and calls it back as soon as the line runs short", async () => {
    const { pumps, recalled } = newPumps();
    const attempts = heldAttempts();
    const [a, b, c] = [attempts.gate(), attempts.gate(), attempts.gate()];
    const first = pumps.run("whe_a", limits, ids("a", 3), a.run);
    const second = pumps.run("whe_a", limits, ids("b", 3), b.run);
    await vi.waitFor(() => expect(attempts.started).toEqual(["a0", "a1"]));

    // Two batch jobs' deliveries wait, more than the concurrency's worth: a third is sent away for
    // its turn, and a fourth after it.
    const awayMs = pumps.deferral("whe_a", limits, 3, "job-c");
    expect(awayMs).toBeGreaterThan(0);
    expect(pumps.deferral("whe_a", limits, 3, "job-d")).toBeGreaterThan(0);
    expect(recalled).toEqual([]);

    // The first job's last delivery starts: one job's deliveries are left, and the oldest job sent
    // away is called back at once, long before its turn; the next waits for the line to run short again.
    a.open();
    await vi.waitFor(() => expect(attempts.started).toEqual(["a0", "a1", "a2", "b0", "b1"]));
    await vi.waitFor(() => expect(recalled).toEqual(["job-c"]));
    // Called back, it runs on arrival whatever the line's length.
    expect(pumps.deferral("whe_a", limits, 3, "job-c")).toBeUndefined();
    const third = pumps.run("whe_a", limits, ids("c", 3), c.run);
    expect(recalled).toEqual(["job-c"]);
    b.open();
    c.open();
    await Promise.all([first, second, third]);
    expect(recalled).toEqual(["job-c", "job-d"]);
    pumps.stop();
  });

  it("keeps a job back early on its own turn in its place among those sent away", async () => {
    const { pumps, recalled } = newPumps();
    const attempts = heldAttempts();
    const held = attempts.gate();
    const first = pumps.run("whe_b", limits, ids("a", 3), held.run);
    const second = pumps.run("whe_b", limits, ids("b", 3), held.run);
    await vi.waitFor(() => expect(attempts.started).toHaveLength(2));
    expect(pumps.deferral("whe_b", limits, 3, "job-c")).toBeGreaterThan(0);
    expect(pumps.deferral("whe_b", limits, 3, "job-d")).toBeGreaterThan(0);
    // job-c's turn came before the line ran short: sent away again, still first in line.
    expect(pumps.deferral("whe_b", limits, 3, "job-c")).toBeGreaterThan(0);
    held.open();
    await Promise.all([first, second]);
    await vi.waitFor(() => expect(recalled).toEqual(["job-c", "job-d"]));
    pumps.stop();
  });

  it("calls jobs sent away back oldest first, by their events, whatever order they were sent away in", async () => {
    const { pumps, recalled } = newPumps();
    const attempts = heldAttempts();
    const held = attempts.gate();
    const first = pumps.run("whe_d", limits, ids("a", 3), held.run);
    const second = pumps.run("whe_d", limits, ids("b", 3), held.run);
    await vi.waitFor(() => expect(attempts.started).toHaveLength(2));
    // job-e is sent away first; job-c, older, came back from another line's turn after it.
    expect(pumps.deferral("whe_d", limits, 3, "job-e")).toBeGreaterThan(0);
    expect(pumps.deferral("whe_d", limits, 3, "job-c")).toBeGreaterThan(0);
    held.open();
    await Promise.all([first, second]);
    await vi.waitFor(() => expect(recalled).toEqual(["job-c", "job-e"]));
    pumps.stop();
  });

  it("does not let a newer job pass an older one sent away, though the line has room", async () => {
    const { pumps, recalled } = newPumps();
    const attempts = heldAttempts();
    const [a, b] = [attempts.gate(), attempts.gate()];
    const first = pumps.run("whe_e", limits, ids("a", 3), a.run);
    const second = pumps.run("whe_e", limits, ids("b", 3), b.run);
    await vi.waitFor(() => expect(attempts.started).toEqual(["a0", "a1"]));
    expect(pumps.deferral("whe_e", limits, 3, "job-c")).toBeGreaterThan(0);
    // The first job's deliveries end: one job is left in the line, and job-c is called back.
    a.open();
    await vi.waitFor(() => expect(recalled).toEqual(["job-c"]));
    // Room in the line, but job-c is on its way: job-d, newer, goes away behind it.
    expect(pumps.deferral("whe_e", limits, 3, "job-d")).toBeGreaterThan(0);
    expect(pumps.deferral("whe_e", limits, 3, "job-c")).toBeUndefined();
    const third = pumps.run("whe_e", limits, ids("c", 3), b.run);
    b.open();
    await Promise.all([first, second, third]);
    await vi.waitFor(() => expect(recalled).toEqual(["job-c", "job-d"]));
    pumps.stop();
  });

  it("calls back the next job when one called back is no longer waiting", async () => {
    // job-c came back on its own turn and was taken by another worker: not waiting any more.
    const { pumps, recalled } = newPumps((jobId) => jobId !== "job-c");
    const attempts = heldAttempts();
    const held = attempts.gate();
    const first = pumps.run("whe_c", limits, ids("a", 3), held.run);
    const second = pumps.run("whe_c", limits, ids("b", 3), held.run);
    await vi.waitFor(() => expect(attempts.started).toHaveLength(2));
    pumps.deferral("whe_c", limits, 3, "job-c");
    pumps.deferral("whe_c", limits, 3, "job-d");
    held.open();
    await Promise.all([first, second]);
    await vi.waitFor(() => expect(recalled).toEqual(["job-c", "job-d"]));
    pumps.stop();
  });
});
