import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { adminClient } from "../lib/admin.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { machineCores, type ProcessGroup, startCpuMeter, startMachineMeter } from "../lib/cpuMeter.js";
import { createBenchDatabase, vacuumAnalyze } from "../lib/database.js";
import { pipelineTopology, startHub } from "../lib/hub.js";
import { progress } from "../lib/log.js";
import { startNotificationFakes, twilioAccount } from "../lib/notificationFakes.js";
import {
  baselineNotifications,
  deliveriesPerSecond,
  hubNotifications,
  type Recipient,
  type RoundResult,
} from "../lib/notificationWorkload.js";
import { deleteBullKeys } from "../lib/redis.js";
import { alternatingRounds, type WorkRound } from "../lib/rounds.js";
import { repoRoot, startServer } from "../lib/serverProcess.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison } from "../lib/types.js";
import { median } from "../lib/units.js";

// BENCH_NOTIFICATIONS shrinks a round for a quick look; the figure is 20,000.
const notificationsPerRound = Number(process.env.BENCH_NOTIFICATIONS ?? 20_000);
const warmupNotifications = Math.min(2000, notificationsPerRound);
const recipientCount = 1000;
/**
 * The e-mail account's SMTP connections (its maxConnections), the same on both sides: a bank's own
 * relay takes tens from one client (Postfix's default limit is 50); nodemailer's default of 5
 * suits a mailbox provider. Each connection carries one message at a time.
 */
const smtpConnections = 10;
/** The throughput the issue asks of the hub, as a share of the baseline's. */
const targetRatio = 0.6;

/**
 * The CPU a delivery that the hub, PostgreSQL and Redis may spend for the hub's round to reach
 * `targetRate` on this machine: the cores' time at the share the round kept them busy, over the
 * target rate, less what everything else spent a delivery in that round (the fake providers, the
 * runner, the kernel). Near 100 % busy a round's rate is its CPU a delivery, so a hub that spends
 * more than this misses the target here however its work is ordered.
 */
function cpuBudgetMsPerDelivery(round: {
  targetRate: number;
  busyShare: number;
  elapsedMs: number;
  deliveries: number;
  sideMs: number;
}): number {
  const machineMsPerSecond = round.busyShare * machineCores * 1000;
  const othersMsPerDelivery =
    ((machineMsPerSecond * round.elapsedMs) / 1000 - round.sideMs) / round.deliveries;
  return machineMsPerSecond / round.targetRate - othersMsPerDelivery;
}

/** Customers with an e-mail address and a phone number (profile and identities), written straight into the run's database. */
async function makeRecipients(databaseUrl: string, tenantId: string): Promise<Recipient[]> {
  const recipients = Array.from({ length: recipientCount }, (_, i) => ({
    id: `cus_bench_${i}`,
    email: `customer${i}@bank.example`,
    phone: `+6281200${String(i).padStart(6, "0")}`,
  }));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // The pipeline reaches a customer through their identities (src/customers/contactPoints.ts), not
    // the profile's columns: both are written, as the customers module writes them.
    await client.query(
      `WITH c AS (
         INSERT INTO customers (id, tenant_id, name, email, phone, preferred_language)
         SELECT id, $1, 'Bench Customer', email, phone, 'en' FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, email, phone)
         RETURNING id, email, phone
       )
       INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, verified)
       SELECT 'idn_' || kind || '_' || c.id, $1, c.id, kind, value, true
       FROM c, LATERAL (VALUES ('email', c.email), ('phone', c.phone)) AS a(kind, value)`,
      [tenantId, recipients.map((r) => r.id), recipients.map((r) => r.email), recipients.map((r) => r.phone)],
    );
  } finally {
    await client.end();
  }
  return recipients;
}

/**
 * 20,000 notifications x 2 channels (e-mail over SMTP, SMS through Twilio's API), created through
 * POST /api/v1/omni/notifications and delivered by the hub's pipeline to the connectors' fake
 * providers, against raw BullMQ jobs calling the same senders against the same fakes. Deliveries
 * per second count from the first creation to the last arrival at a provider; latency is each
 * delivery's creation request to its arrival. `--connections` is the creations in flight;
 * `--duration` is not used (a round is 20,000 notifications).
 */
export const benchmark: Benchmark = {
  summary:
    "20,000 notifications x (email, sms) through the API and pipeline vs raw BullMQ jobs calling the same senders",
  targets: [
    { key: "deliveriesPerSec", atLeast: targetRatio },
    { key: "latencyP99Ms", atMost: 2 },
  ],
  async run(options): Promise<Comparison> {
    const teardown = new Teardown();
    try {
      const fakes = await startNotificationFakes();
      teardown.defer("stop fake providers", () => fakes.close());
      const database = await createBenchDatabase(options.databaseUrl);
      teardown.defer("drop database", () => database.drop());
      const redisPrefix = `bench${randomBytes(4).toString("hex")}`;
      const basePrefix = `benchbase${randomBytes(4).toString("hex")}`;
      teardown.defer("delete Redis keys", () => deleteBullKeys(options.redisUrl, redisPrefix));
      teardown.defer("delete baseline Redis keys", () => deleteBullKeys(options.redisUrl, basePrefix));
      const hub = await startHub({
        databaseUrl: database.url,
        redisUrl: options.redisUrl,
        redisPrefix,
        signal: options.signal,
        topology: pipelineTopology,
        env: { CHANNEL_SECRET_KEYS: `bench:${randomBytes(32).toString("base64")}` },
        ...cpuProfileArgs(options, "hub"),
      });
      teardown.defer("stop hub", () => hub.stop());
      const baseline = await startServer({
        label: "baseline workers",
        entry: resolve(repoRoot, "bench/baselines/notificationWorkers.ts"),
        env: {
          REDIS_URL: options.redisUrl,
          BENCH_PREFIX: basePrefix,
          SMTP_HOST: fakes.smtp.host,
          SMTP_PORT: String(fakes.smtp.port),
          SMTP_MAX_CONNECTIONS: String(smtpConnections),
          TWILIO_URL: fakes.twilioUrl,
          TWILIO_SID: twilioAccount.accountSid,
          TWILIO_TOKEN: twilioAccount.authToken,
          TWILIO_FROM: twilioAccount.from,
        },
        readyTimeoutMs: 60_000,
        signal: options.signal,
        nodeArgs: ["--max-semi-space-size=64", ...(cpuProfileArgs(options, "baseline").nodeArgs ?? [])],
      });
      teardown.defer("stop baseline workers", () => baseline.stop());

      const admin = adminClient(hub.url, hub.adminToken);
      const tenant = await admin.createTenant({ slug: "bench-notify", name: "Bench Notify" });
      const { key } = await admin.createApiKey({
        tenantId: tenant.id,
        name: "notify",
        scopes: ["omni:read", "omni:write"],
      });
      await admin.saveChannel(tenant.id, "email", {
        provider: "smtp",
        enabled: true,
        settings: {
          host: fakes.smtp.host,
          port: fakes.smtp.port,
          secure: false,
          from: "Bench <noreply@bank.example>",
          maxConnections: smtpConnections,
        },
      });
      await admin.saveChannel(tenant.id, "sms", {
        provider: "twilio",
        enabled: true,
        settings: { ...twilioAccount, apiBaseUrl: fakes.twilioUrl },
      });
      const recipients = await makeRecipients(database.url, tenant.id);
      const redis = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
      teardown.defer("close Redis", async () => redis.disconnect());

      const common = { recipients, concurrency: options.connections, fakes, signal: options.signal };
      const hubSide = (round: number, count: number) =>
        hubNotifications({ ...common, url: hub.url, key, tokenPrefix: `h${round}`, count });
      const baseSide = (round: number, count: number) =>
        baselineNotifications({ ...common, redis, prefix: basePrefix, tokenPrefix: `b${round}`, count });
      const measured = (r: RoundResult): WorkRound => ({ ...r, perSecond: deliveriesPerSecond(r) });
      // What each measured round cost in CPU, shared services included: the hub's work is in
      // PostgreSQL as much as in its own processes, the baseline's in neither.
      const cpuMsPerDelivery = { hub: [] as number[], baseline: [] as number[] };
      // How busy the machine was in each side's rounds: near 100 % a side's rate follows its CPU a
      // delivery; well under it, the round was waiting (the baseline's on its SMTP round trips).
      const machineBusyPct = { hub: [] as number[], baseline: [] as number[] };
      // The rate of the baseline's round before each hub round: the target that round is held to.
      let baselineRate: number | undefined;
      // The side's own processes by name: a split hub's API and worker apart.
      const ownProcesses: Record<"hub" | "baseline", Record<string, ProcessGroup>> = {
        baseline: { baseline: { pids: baseline.pids } },
        hub:
          hub.topology === "split" && hub.pids.length === 2
            ? { "hub api": { pids: hub.pids.slice(0, 1) }, "hub worker": { pids: hub.pids.slice(1) } }
            : { hub: { pids: hub.pids } },
      };
      const shared = { postgres: { server: "postgres" }, redis: { server: "redis-server" } } as const;
      const metered = async (side: "hub" | "baseline", round: number, work: () => Promise<RoundResult>) => {
        if (round === 0) return work();
        const own = ownProcesses[side];
        const meter = startCpuMeter({
          ...own,
          ...shared,
          fakes: { pids: [fakes.pid] },
          runner: { pids: [process.pid] },
        });
        const machine = startMachineMeter();
        const result = await work();
        const used = meter.stop();
        const busy = machine.stop();
        const seconds = Object.entries(used).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)}`);
        const sideMs = [...Object.keys(own), ...Object.keys(shared)].reduce(
          (sum, name) => sum + (used[name] ?? 0),
          0,
        );
        const ms = sideMs / Math.max(1, result.deliveries);
        cpuMsPerDelivery[side].push(ms);
        machineBusyPct[side].push(busy * 100);
        progress(
          `${side}: CPU seconds: ${seconds.join(", ")}; ${ms.toFixed(2)} ms a delivery (${side}, postgres, redis); the machine ${(busy * 100).toFixed(0)} % busy (${machineCores} cores)`,
        );
        if (side === "baseline") baselineRate = deliveriesPerSecond(result);
        else if (baselineRate !== undefined) {
          const targetRate = targetRatio * baselineRate;
          const budget = cpuBudgetMsPerDelivery({ ...result, targetRate, busyShare: busy, sideMs });
          progress(
            `hub: ${targetRatio}x of the baseline's ${baselineRate.toFixed(0)} deliveries/s leaves the hub, postgres and redis ${budget.toFixed(2)} ms a delivery on this machine; they used ${ms.toFixed(2)}`,
          );
        }
        return result;
      };
      const compared = await alternatingRounds({
        rounds: options.rounds,
        warmupUnits: options.warmupS > 0 ? warmupNotifications : 0,
        units: notificationsPerRound,
        baseline: async (round, count) =>
          measured(await metered("baseline", round, () => baseSide(round, count))),
        hub: async (round, count) => {
          const done = measured(await metered("hub", round, () => hubSide(round, count)));
          // After the warm-up (round 0), the state a production database would be in.
          if (round === 0) await vacuumAnalyze(database.url);
          return done;
        },
        rate: {
          key: "deliveriesPerSec",
          label: "deliveries/s, first creation to last arrival",
          unit: "deliveries",
        },
        latency: "create-to-provider",
      });
      return {
        ...compared,
        figures: [
          ...compared.figures,
          {
            key: "cpuMsPerDelivery",
            label: "CPU ms a delivery (side, postgres, redis)",
            hub: median(cpuMsPerDelivery.hub),
            baseline: median(cpuMsPerDelivery.baseline),
          },
          {
            key: "machineBusyPct",
            label: `machine busy, % of its ${machineCores} cores' time`,
            hub: median(machineBusyPct.hub),
            baseline: median(machineBusyPct.baseline),
          },
        ],
      };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
