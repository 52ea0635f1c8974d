import { Queue, Worker } from "bullmq";
import { Hono } from "hono";
import { Redis } from "ioredis";
import pg from "pg";
import { z } from "zod";
import { baselineEnv, serveUntilSignal } from "./serve.js";

/**
 * The inbound benchmark's baseline: raw BullMQ jobs doing one INSERT each. A bare Hono app takes
 * a message as JSON (`{id, text}`), puts one job on a queue (job id = the message id, as the hub's
 * intake does) and answers 200; a worker with the hub's inbound concurrency INSERTs the message
 * into a table of its own, with the time it arrived. No signature, no customer, no conversation,
 * no ticket, no acknowledgement: whatever the hub costs above this is what the benchmark shows.
 * BASELINE_ROLE splits it as the hub is split (bench/lib/hub.ts, BENCH_HUB_TOPOLOGY=split): `api`
 * takes messages and enqueues, `worker` inserts, `all` (the default) does both in one process.
 */
const env = baselineEnv(process.env);
const extra = z
  .object({
    REDIS_URL: z.url(),
    BENCH_PREFIX: z.string().min(1),
    WORKER_CONCURRENCY: z.coerce.number().int(),
    BASELINE_ROLE: z.enum(["all", "api", "worker"]).default("all"),
  })
  .parse(process.env);
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });
await pool.query(`
  CREATE TABLE IF NOT EXISTS bench_baseline_inbound (
    id text PRIMARY KEY,
    text text NOT NULL,
    received_at timestamptz NOT NULL,
    inserted_at timestamptz NOT NULL DEFAULT clock_timestamp()
  )`);

const prefix = `{${extra.BENCH_PREFIX}}`;
const takesMessages = extra.BASELINE_ROLE !== "worker";
const inserts = extra.BASELINE_ROLE !== "api";
const queueConnection = new Redis(extra.REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
const queue = new Queue("baseline-inbound", { connection: queueConnection, prefix });
type Message = { id: string; text: string; receivedAt: string };
const insertMessages = () =>
  new Worker<Message>(
    "baseline-inbound",
    async (job) => {
      await pool.query(
        "INSERT INTO bench_baseline_inbound (id, text, received_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        [job.data.id, job.data.text, job.data.receivedAt],
      );
    },
    {
      connection: new Redis(extra.REDIS_URL, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: extra.WORKER_CONCURRENCY,
    },
  );
const worker = inserts ? insertMessages() : undefined;

const message = z.object({ id: z.string().min(1).max(100), text: z.string().max(4096) });
const app = new Hono();
app.get("/readyz", async (c) => {
  await pool.query("SELECT 1");
  await worker?.waitUntilReady();
  return c.json({ status: "ready" });
});
if (takesMessages)
  app.post("/messages", async (c) => {
    const receivedAt = new Date().toISOString();
    const parsed = message.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return c.json({ error: "invalid body" }, 400);
    await queue.add(
      "message",
      { ...parsed.data, receivedAt },
      { jobId: parsed.data.id, removeOnComplete: { count: 10_000 } },
    );
    return c.json({ ok: true });
  });

serveUntilSignal(app, env, async () => {
  await worker?.close();
  await queue.close();
  await pool.end();
});
