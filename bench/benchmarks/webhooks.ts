import { randomBytes } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { jobCatalog } from "../../queues/catalog.js";
import { openPostgres } from "../../src/db/client.js";
import { events } from "../../src/db/schema/index.js";
import { eventTypes } from "../../src/events/catalog.js";
import { newId } from "../../src/ids.js";
import { webhookBody } from "../../src/webhooks/payload.js";
import { adminClient } from "../lib/admin.js";
import { startBaseline } from "../lib/baseline.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { createBenchDatabase } from "../lib/database.js";
import { hubPoolSize, pipelineTopology, startHub } from "../lib/hub.js";
import { latencyShape } from "../lib/latencyShape.js";
import { progress } from "../lib/log.js";
import { readCpuMs } from "../lib/memory.js";
import { deleteBullKeys } from "../lib/redis.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison, Figure, RowCount } from "../lib/types.js";
import { median, percentile } from "../lib/units.js";
import { startWebhookReceiver, type WebhookReceiver } from "../lib/webhookReceiver.js";

/**
 * Events per measured round, as the issue states; a warm-up round sends a tenth of it.
 * BENCH_WEBHOOK_EVENTS shrinks a round for a quick look; the figure is 20,000.
 */
const eventsPerRound = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 20_000);
/** Events committed per transaction (hub) and jobs added per call (baseline). */
const commitBatch = 100;
/** The longest a round may take before the deliveries still missing fail the run. */
const roundTimeoutMs = 10 * 60_000;
/**
 * The hub's delivery worker concurrency (queues/catalog.ts), given to the baseline's worker and the
 * endpoint's maxConcurrency too; BENCH_WEBHOOK_CONCURRENCY tries another for all three.
 */
const concurrency = Number(
  process.env.BENCH_WEBHOOK_CONCURRENCY ?? jobCatalog["webhook-delivery"].concurrency,
);

/** What an event carries: a journey step as the Rail records it, about 300 bytes of JSON. */
const payload = {
  journeyId: "jrn_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6",
  templateId: "account-opening",
  templateVersion: 3,
  fromStep: "kyc-review",
  toStep: "approval",
  stepIndex: 2,
  assignedTo: "usr_019a8f6e4b7c7d2e9f10a1b2c3d4e5f7",
  channel: "mobile",
  reason: "documents verified",
};

type RoundResult = {
  deliveriesPerSec: number;
  /** CPU the side's own process (the hub; the baseline's worker) used per delivery, in ms. */
  cpuMsPerDelivery: number;
  latencies: number[];
  missing: number;
  duplicates: number;
};

/**
 * Commits `ids` in batches with `send`, one batch after another as fast as each returns, and waits
 * until the receiver has them all. Throughput is deliveries over the time from the first commit's
 * start to the last receipt; latency is each event's commit (the batch's return) to its receipt.
 */
async function runRound(
  receiver: WebhookReceiver,
  pids: readonly number[],
  ids: readonly string[],
  send: (batch: readonly string[]) => Promise<void>,
  signal: AbortSignal,
  side: string,
): Promise<RoundResult> {
  receiver.reset();
  const cpuBefore = await readCpuMs(pids);
  const committedAt = new Map<string, number>();
  const started = performance.now();
  for (let i = 0; i < ids.length; i += commitBatch) {
    const batch = ids.slice(i, i + commitBatch);
    await send(batch);
    const at = performance.now();
    for (const id of batch) committedAt.set(id, at);
  }
  await receiver.until(ids.length, roundTimeoutMs, signal);
  const cpuMs = (await readCpuMs(pids)) - cpuBefore;
  const arrivals = receiver.arrivals();
  progress(`${side} shape: ${latencyShape(ids, committedAt, arrivals, started)}`);
  let last = started;
  const latencies: number[] = [];
  for (const id of ids) {
    const at = arrivals.get(id);
    if (at === undefined) continue;
    last = Math.max(last, at);
    latencies.push(Math.max(0, at - (committedAt.get(id) ?? at)));
  }
  return {
    deliveriesPerSec: (latencies.length / (last - started)) * 1000,
    cpuMsPerDelivery: cpuMs / Math.max(1, latencies.length),
    latencies,
    missing: ids.length - latencies.length,
    duplicates: receiver.duplicates(),
  };
}

const newIds = (count: number) => Array.from({ length: count }, () => newId("event"));

/**
 * 20,000 domain events through the hub's whole webhook path, against raw BullMQ jobs that POST the
 * same bodies to the same receiver. Hub: the runner commits events into the hub's events table (100
 * per transaction, as a busy hub's writers would); the hub's relay (woken by the commit), fan-out,
 * delivery workers (claim, sign, POST, record) with the endpoint's limiter on deliver them.
 * Baseline: the runner adds jobs carrying the bodies (100 per addBulk); a bare BullMQ worker of the
 * same concurrency POSTs each. `--duration` and `--connections` are not used: a round is 20,000 events.
 */
export const benchmark: Benchmark = {
  summary:
    "20,000 events through relay, fan-out and signed delivery vs raw BullMQ jobs POSTing the same bodies",
  targets: [
    { key: "deliveriesPerSec", atLeast: 0.6 },
    { key: "latencyP99Ms", atMost: 2 },
  ],
  async run(options): Promise<Comparison> {
    const teardown = new Teardown();
    try {
      const database = await createBenchDatabase(options.databaseUrl);
      teardown.defer("drop database", () => database.drop());
      const redisPrefix = `bench${randomBytes(4).toString("hex")}`;
      teardown.defer("delete hub Redis keys", () => deleteBullKeys(options.redisUrl, redisPrefix));
      const baselinePrefix = `benchbase${randomBytes(4).toString("hex")}`;
      teardown.defer("delete baseline Redis keys", () => deleteBullKeys(options.redisUrl, baselinePrefix));
      const receiver = await startWebhookReceiver();
      teardown.defer("close receiver", () => receiver.close());

      const hub = await startHub({
        databaseUrl: database.url,
        redisUrl: options.redisUrl,
        redisPrefix,
        signal: options.signal,
        topology: pipelineTopology,
        env: {
          WEBHOOK_ALLOWED_NETWORKS: "127.0.0.0/8",
          // The receiver is plain http on loopback, which production mode refuses to register (https
          // only); nothing on the delivery path reads NODE_ENV.
          NODE_ENV: "development",
          METRICS_TOKEN: metricsToken,
          WEBHOOK_WORKER_CONCURRENCY: String(concurrency),
          // As production runs it: endpoints' secrets sealed at rest, opened to sign.
          CHANNEL_SECRET_KEYS: `bench:${randomBytes(32).toString("base64")}`,
        },
        ...cpuProfileArgs(options, "hub"),
      });
      teardown.defer("stop hub", () => hub.stop());
      const admin = adminClient(hub.url, hub.adminToken);
      const tenant = await admin.createTenant({ slug: "bench-hooks", name: "Bench Hooks" });
      const { key } = await admin.createApiKey({
        tenantId: tenant.id,
        name: "hooks",
        scopes: ["webhooks:read", "webhooks:write"],
      });
      // The limiter stays on, as in production, with room for the load: a worker runs at most
      // `concurrency` deliveries at once, and the rate is never reached.
      const made = await fetch(`${hub.url}/api/v1/webhooks/endpoints`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({
          url: receiver.url,
          eventTypes: ["omni.journey.*"],
          maxConcurrency: concurrency,
          rateLimitPerSecond: 100_000,
        }),
      });
      if (made.status !== 201) throw new Error(`endpoint: ${made.status} ${await made.text()}`);

      const writer = openPostgres(database.url, 2);
      teardown.defer("close writer", () => writer.close());
      const commitEvents = async (ids: readonly string[]) => {
        await writer.db.insert(events).values(
          ids.map((id) => ({
            id,
            tenantId: tenant.id,
            type: eventTypes.journeyAdvanced,
            subjectType: "journey",
            subjectId: payload.journeyId,
            actorType: "system",
            payload,
          })),
        );
      };

      const baseline = await startBaseline({
        file: "webhooks.ts",
        databaseUrl: database.url,
        poolSize: hubPoolSize,
        signal: options.signal,
        env: {
          WEBHOOK_BASELINE_REDIS_URL: options.redisUrl,
          WEBHOOK_BASELINE_PREFIX: `{${baselinePrefix}}`,
          WEBHOOK_BASELINE_QUEUE: "baseline-webhooks",
          WEBHOOK_BASELINE_CONCURRENCY: String(concurrency),
        },
        ...cpuProfileArgs(options, "baseline"),
      });
      teardown.defer("stop baseline", () => baseline.stop());
      const producerConnection = new Redis(options.redisUrl, { maxRetriesPerRequest: 1 });
      teardown.defer("close baseline producer", async () => producerConnection.disconnect());
      const queue = new Queue("baseline-webhooks", {
        connection: producerConnection,
        prefix: `{${baselinePrefix}}`,
        defaultJobOptions: jobCatalog["webhook-delivery"].options,
      });
      teardown.defer("close baseline queue", () => queue.close());
      const addJobs = (bodies: ReadonlyMap<string, string>) => async (ids: readonly string[]) => {
        await queue.addBulk(
          ids.map((id) => ({ name: "deliver", data: { id, url: receiver.url, body: bodies.get(id) ?? "" } })),
        );
      };

      const hubSide = (count: number) =>
        runRound(receiver, hub.pids, newIds(count), commitEvents, options.signal, "hub");
      const baseSide = (count: number) => {
        const ids = newIds(count);
        // The hub's own body for each event, built before the round as the hub builds it at delivery.
        const occurredAt = new Date();
        const bodies = new Map(
          ids.map((id) => [
            id,
            webhookBody({
              id,
              type: eventTypes.journeyAdvanced,
              subjectType: "journey",
              payload,
              occurredAt,
            }),
          ]),
        );
        return runRound(receiver, baseline.pids, ids, addJobs(bodies), options.signal, "baseline");
      };

      let sent = 0;
      let received = 0;
      const failures: string[] = [];
      const check = (side: string, result: RoundResult, count: number) => {
        if (side === "hub") {
          sent += count;
          received += count - result.missing;
        }
        if (result.missing > 0) failures.push(`${side}: ${result.missing} of ${count} events never arrived`);
        if (result.duplicates > 0) failures.push(`${side}: ${result.duplicates} events arrived twice`);
        return result;
      };
      if (options.warmupS > 0) {
        progress(`warm-up: ${eventsPerRound / 10} events each side, unmeasured`);
        check("baseline", await baseSide(eventsPerRound / 10), eventsPerRound / 10);
        check("hub", await hubSide(eventsPerRound / 10), eventsPerRound / 10);
      }
      const hubRounds: RoundResult[] = [];
      const baseRounds: RoundResult[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        const b = check("baseline", await baseSide(eventsPerRound), eventsPerRound);
        const h = check("hub", await hubSide(eventsPerRound), eventsPerRound);
        baseRounds.push(b);
        hubRounds.push(h);
        progress(
          `round ${round}: hub ${h.deliveriesPerSec.toFixed(0)} deliveries/s, p99 ${percentile(h.latencies, 99).toFixed(0)} ms; ` +
            `baseline ${b.deliveriesPerSec.toFixed(0)}/s, p99 ${percentile(b.latencies, 99).toFixed(0)} ms; ` +
            `CPU per delivery hub ${h.cpuMsPerDelivery.toFixed(2)} ms, baseline ${b.cpuMsPerDelivery.toFixed(2)} ms`,
        );
      }

      const figure = (key: string, label: string, of: (r: RoundResult) => number): Figure => ({
        key,
        label,
        hub: median(hubRounds.map(of)),
        baseline: median(baseRounds.map(of)),
      });
      const figures: Figure[] = [
        figure("deliveriesPerSec", "deliveries/s", (r) => r.deliveriesPerSec),
        figure("latencyP50Ms", "commit to receipt p50, ms", (r) => percentile(r.latencies, 50)),
        figure("latencyP99Ms", "commit to receipt p99, ms", (r) => percentile(r.latencies, 99)),
        figure("cpuMsPerDelivery", "CPU ms per delivery (the side's process)", (r) => r.cpuMsPerDelivery),
      ];
      const rounds = hubRounds.map((h, i) => {
        const b = baseRounds[i] as RoundResult;
        return {
          hub: { reqPerSec: h.deliveriesPerSec, latencyP99Ms: percentile(h.latencies, 99) },
          baseline: { reqPerSec: b.deliveriesPerSec, latencyP99Ms: percentile(b.latencies, 99) },
        };
      });
      for (const url of hub.urls) await showHubCounters(url);
      const succeeded = await countSucceeded(database.url);
      const rows: RowCount[] = [
        { side: "hub", table: "webhook_deliveries", rows: succeeded, answered2xx: received, sent },
      ];
      return { figures, rounds, rows, failures };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};

const metricsToken = randomBytes(16).toString("hex");

/**
 * What the hub's own counters say of the run (webhook attempts and deferrals, batched statements'
 * sizes), on stderr: where an attempt's time went when the figures disappoint.
 */
async function showHubCounters(hubUrl: string): Promise<void> {
  const answer = await fetch(`${hubUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
  if (!answer.ok) return progress(`hub metrics: ${answer.status}`);
  const wanted = /^switchboard_(webhook_(attempts|deferrals)|db_batched_.*webhook|events_relayed)/;
  for (const line of (await answer.text()).split("\n"))
    if (wanted.test(line)) progress(`hub metrics: ${line}`);
}

/** Deliveries the hub recorded as succeeded: each must be one the receiver got. */
async function countSucceeded(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_deliveries WHERE status = 'succeeded'",
    );
    return Number(rows[0]?.n ?? Number.NaN);
  } finally {
    await client.end();
  }
}
