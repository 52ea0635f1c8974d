import { randomBytes } from "node:crypto";
import { adminClient } from "../lib/admin.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { createBenchDatabase } from "../lib/database.js";
import { hubPoolSize, startHub } from "../lib/hub.js";
import {
  baselineJourneys,
  benchTemplate,
  benchUserId,
  hubJourneys,
  journeyActions,
  type WorkloadResult,
} from "../lib/journeyWorkload.js";
import { progress } from "../lib/log.js";
import { deleteBullKeys } from "../lib/redis.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison, Figure } from "../lib/types.js";
import { median, percentile } from "../lib/units.js";

const journeysPerRound = 1000;

const perSecond = (r: WorkloadResult) => (r.journeys / r.elapsedMs) * 1000;

/**
 * 1,000 journeys driven concurrently through the Rail (create → advance × 3 → complete, each a
 * locked read, a history row, an update and an event in one transaction, plus delayed deadline
 * jobs), against the same number of single-row UPDATE round trips on the same database.
 * `--connections` is the number of journeys in flight; `--duration` is not used (a round is 1,000 journeys).
 */
export const benchmark: Benchmark = {
  summary: "1,000 Rail journeys (create, advance x3, complete) vs as many single-row UPDATE round trips",
  async run(options): Promise<Comparison> {
    const teardown = new Teardown();
    try {
      const database = await createBenchDatabase(options.databaseUrl);
      teardown.defer("drop database", () => database.drop());
      const redisPrefix = `bench${randomBytes(4).toString("hex")}`;
      teardown.defer("delete Redis keys", () => deleteBullKeys(options.redisUrl, redisPrefix));
      const hub = await startHub({
        databaseUrl: database.url,
        redisUrl: options.redisUrl,
        redisPrefix,
        signal: options.signal,
        ...cpuProfileArgs(options, "hub"),
      });
      teardown.defer("stop hub", () => hub.stop());

      const admin = adminClient(hub.url, hub.adminToken);
      const tenant = await admin.createTenant({ slug: "bench-rail", name: "Bench Rail" });
      const { key } = await admin.createApiKey({
        tenantId: tenant.id,
        name: "rail",
        scopes: ["omni:read", "omni:write"],
      });
      // The user every journey names (assignee, advancedBy, completedBy): the Rail refuses unknown users.
      await admin.saveUser(tenant.id, benchUserId, { name: "Bench RM", role: "relationship_manager" });
      const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };
      const made = await fetch(`${hub.url}/api/v1/omni/templates`, {
        method: "POST",
        headers,
        body: JSON.stringify(benchTemplate),
      });
      if (made.status !== 201) throw new Error(`template: ${made.status} ${await made.text()}`);
      await fetch(`${hub.url}/api/v1/omni/templates/${benchTemplate.id}/status`, {
        method: "POST",
        headers,
        body: JSON.stringify({ status: "active" }),
      });

      const hubSide = () => hubJourneys(hub.url, key, journeysPerRound, options.connections, options.signal);
      const baseSide = () =>
        baselineJourneys(database.url, hubPoolSize, journeysPerRound, options.connections, options.signal);
      if (options.warmupS > 0) {
        progress("warm-up: one round of each side, unmeasured");
        await baseSide();
        await hubSide();
      }
      const hubRounds: WorkloadResult[] = [];
      const baseRounds: WorkloadResult[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        baseRounds.push(await baseSide());
        hubRounds.push(await hubSide());
        const h = hubRounds.at(-1) as WorkloadResult;
        const b = baseRounds.at(-1) as WorkloadResult;
        progress(
          `round ${round}: hub ${perSecond(h).toFixed(0)} journeys/s, baseline ${perSecond(b).toFixed(0)} (5 UPDATEs each)`,
        );
      }

      const p99Of = (rounds: WorkloadResult[], action: (typeof journeyActions)[number]) =>
        median(rounds.map((r) => percentile(r.latencies[action], 99)));
      const baselineP99 = median(
        baseRounds.map((r) =>
          percentile(
            journeyActions.flatMap((a) => r.latencies[a]),
            99,
          ),
        ),
      );
      const figures: Figure[] = [
        {
          key: "journeysPerSec",
          label: "journeys/s (baseline: 5 single-row UPDATEs each)",
          hub: median(hubRounds.map(perSecond)),
          baseline: median(baseRounds.map(perSecond)),
        },
        ...journeyActions.map((action) => ({
          key: `p99Ms_${action}`,
          label: `p99 ms, ${action} (baseline: one UPDATE)`,
          hub: p99Of(hubRounds, action),
          baseline: baselineP99,
        })),
      ];
      const failures = [...hubRounds, ...baseRounds].flatMap((r) => r.failures);
      return { figures, failures };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
