import { randomBytes } from "node:crypto";
import { adminClient } from "../lib/admin.js";
import {
  type AnalyticsTenant,
  type AnalyticsTimes,
  checkExact,
  fillEvents,
  openBenchDatabase,
  timeAnalytics,
} from "../lib/analyticsWorkload.js";
import { createBenchDatabase } from "../lib/database.js";
import {
  baselineHandoffs,
  createCustomers,
  type HandoffResult,
  type handoffActions,
  hubHandoffs,
  openSessions,
} from "../lib/handoffWorkload.js";
import { hubPoolSize, startHub } from "../lib/hub.js";
import { progress } from "../lib/log.js";
import { deleteBullKeys } from "../lib/redis.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison, Figure } from "../lib/types.js";
import { median, percentile } from "../lib/units.js";

const pairsPerRound = 1000;
const customersForSessions = 200;
const smallEvents = 10_000;
const largeEvents = 1_000_000;
const querySamples = 300;

const perSecond = (r: HandoffResult) => (r.units / r.elapsedMs) * 1000;

/**
 * SCT07's two figures. Session handoff: 1,000 handoff + resume pairs a round through the hub
 * (POST /sessions/handoff, then /sessions/resume with its token), `--connections` pairs in flight,
 * against as many pairs of single-row round trips (an INSERT, then an UPDATE) on the same database.
 * Channel analytics: the default 30-day query, timed one at a time, for a tenant of 10,000 events
 * and one of 1,000,000 (spread over 90 days and 20,000 customers), in alternating rounds; the
 * "baseline" column is the 10,000 tenant. `--duration` is not used.
 */
export const benchmark: Benchmark = {
  summary:
    "SCT07: handoff + resume pairs vs INSERT+UPDATE pairs; analytics p99 at 1,000,000 events vs 10,000",
  targets: [
    { key: "analyticsP99Ms_query", atMost: 3 },
    { key: "analyticsP99Ms_http", atMost: 3 },
  ],
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
      });
      teardown.defer("stop hub", () => hub.stop());
      const admin = adminClient(hub.url, hub.adminToken);

      // Handoff and resume.
      const bank = await admin.createTenant({ slug: "bench-sct07", name: "Bench SCT07" });
      const { key } = await admin.createApiKey({
        tenantId: bank.id,
        name: "app",
        scopes: ["customers:write", "sessions:write"],
      });
      const customers = await createCustomers(hub.url, key, customersForSessions);
      const hubSide = async () => {
        const sessions = await openSessions(
          hub.url,
          key,
          customers,
          pairsPerRound,
          options.connections,
          options.signal,
        );
        return hubHandoffs(hub.url, key, sessions, options.connections, options.signal);
      };
      let baselineRound = 0;
      const baseSide = () =>
        baselineHandoffs(
          database.url,
          hubPoolSize,
          pairsPerRound,
          baselineRound++,
          options.connections,
          options.signal,
        );
      if (options.warmupS > 0) {
        progress("warm-up: one round of each side, unmeasured");
        await baseSide();
        await hubSide();
      }
      const hubRounds: HandoffResult[] = [];
      const baseRounds: HandoffResult[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        baseRounds.push(await baseSide());
        hubRounds.push(await hubSide());
        const h = hubRounds.at(-1) as HandoffResult;
        const b = baseRounds.at(-1) as HandoffResult;
        progress(
          `round ${round}: hub ${perSecond(h).toFixed(0)} pairs/s, baseline ${perSecond(b).toFixed(0)} (INSERT + UPDATE each)`,
        );
      }
      const p99Of = (rounds: HandoffResult[], action: (typeof handoffActions)[number]) =>
        median(rounds.map((r) => percentile(r.latencies[action], 99)));

      // Channel analytics: a tenant with 10,000 events, timed alone in the table, then call by call
      // in turn with a tenant of 1,000,000 (a busy spell of the shared machine falls on both).
      const tenantWith = async (slug: string): Promise<AnalyticsTenant> => {
        const made = await admin.createTenant({ slug, name: slug });
        const { key } = await admin.createApiKey({
          tenantId: made.id,
          name: "analytics",
          scopes: ["analytics:read"],
        });
        return { id: made.id, key };
      };
      const small = await tenantWith("bench-analytics-10k");
      const large = await tenantWith("bench-analytics-1m");
      const own = openBenchDatabase(database.url);
      teardown.defer("close the benchmark's connections", () => own.close());
      const failures: string[] = [];
      progress(`analytics: loading ${smallEvents} events`);
      await fillEvents(own, small.id, 0, smallEvents, options.signal);
      const alone: AnalyticsTimes[] = [];
      for (let round = 1; round <= options.rounds; round++)
        alone.push(...(await timeAnalytics(own, hub.url, [small], querySamples, options.signal)));
      progress(`analytics: loading ${largeEvents} events of another tenant`);
      await fillEvents(own, large.id, 0, largeEvents, options.signal);
      for (const tenant of [small, large]) {
        const wrong = await checkExact(own, tenant.id);
        if (wrong) failures.push(wrong);
      }
      const smallRounds: AnalyticsTimes[] = [];
      const largeRounds: AnalyticsTimes[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        const [s, l] = await timeAnalytics(own, hub.url, [small, large], querySamples, options.signal);
        if (!s || !l) throw new Error("a tenant's times are missing");
        smallRounds.push(s);
        largeRounds.push(l);
        const p99 = (t: AnalyticsTimes | undefined) => percentile(t?.query ?? [], 99).toFixed(2);
        progress(
          `analytics round ${round}: query p99 ${p99(largeRounds.at(-1))} ms at ${largeEvents} events, ${p99(smallRounds.at(-1))} ms at ${smallEvents}`,
        );
      }
      const of = (rounds: AnalyticsTimes[], part: keyof AnalyticsTimes, p: number) =>
        median(rounds.map((r) => percentile(r[part], p)));

      const figures: Figure[] = [
        {
          key: "pairsPerSec",
          label: "handoff + resume pairs/s (baseline: INSERT + UPDATE round trips)",
          hub: median(hubRounds.map(perSecond)),
          baseline: median(baseRounds.map(perSecond)),
        },
        {
          key: "p99Ms_handoff",
          label: "p99 ms, POST /sessions/handoff (baseline: the INSERT)",
          hub: p99Of(hubRounds, "handoff"),
          baseline: p99Of(baseRounds, "handoff"),
        },
        {
          key: "p99Ms_resume",
          label: "p99 ms, POST /sessions/resume (baseline: the UPDATE)",
          hub: p99Of(hubRounds, "resume"),
          baseline: p99Of(baseRounds, "resume"),
        },
        {
          key: "analyticsP50Ms_query",
          label: `p50 ms, analytics query (30 days), tenant of ${largeEvents} events (hub col.) vs ${smallEvents}`,
          hub: of(largeRounds, "query", 50),
          baseline: of(smallRounds, "query", 50),
        },
        {
          key: "analyticsP99Ms_query",
          label: `p99 ms, analytics query (30 days), tenant of ${largeEvents} events (hub col.) vs ${smallEvents}`,
          hub: of(largeRounds, "query", 99),
          baseline: of(smallRounds, "query", 99),
        },
        {
          key: "analyticsP99Ms_http",
          label: `p99 ms, GET /api/v1/analytics/channels, ${largeEvents} events (hub col.) vs ${smallEvents}`,
          hub: of(largeRounds, "http", 99),
          baseline: of(smallRounds, "http", 99),
        },
        {
          key: "analyticsP99Ms_queryAlone",
          label: `p99 ms, analytics query, tenant of ${smallEvents}: beside ${largeEvents} (hub col.) vs alone`,
          hub: of(smallRounds, "query", 99),
          baseline: of(alone, "query", 99),
        },
      ];
      failures.push(...[...hubRounds, ...baseRounds].flatMap((r) => r.failures));
      return { figures, failures };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
