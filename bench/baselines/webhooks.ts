import http from "node:http";
import { Worker } from "bullmq";
import { Hono } from "hono";
import { Redis } from "ioredis";
import { z } from "zod";
import { baselineEnv, serveUntilSignal } from "./serve.js";

/**
 * The bare twin of the hub's webhook delivery: raw BullMQ jobs, each POSTing the body it carries to
 * the receiver with a keep-alive agent, at the hub's worker concurrency. No database, no signing,
 * no bookkeeping, no limits: whatever the hub costs above this is what the webhooks benchmark shows.
 * Its HTTP server only answers /readyz for the runner.
 */
const env = baselineEnv(process.env);
const own = z
  .object({
    WEBHOOK_BASELINE_REDIS_URL: z.url({ protocol: /^redis$/ }),
    WEBHOOK_BASELINE_PREFIX: z.string().min(1),
    WEBHOOK_BASELINE_QUEUE: z.string().min(1),
    WEBHOOK_BASELINE_CONCURRENCY: z.coerce.number().int().min(1),
  })
  .parse(process.env);

const agent = new http.Agent({ keepAlive: true });
const connection = new Redis(own.WEBHOOK_BASELINE_REDIS_URL, { maxRetriesPerRequest: null });

type Job = { id: string; url: string; body: string };

function post({ id, url, body }: Job): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      agent,
      headers: {
        "content-type": "application/json",
        "content-length": String(Buffer.byteLength(body)),
        "webhook-id": id,
      },
    });
    request.on("error", reject);
    request.on("response", (response) => {
      response.resume();
      response.on("end", () => resolve(response.statusCode ?? 0));
    });
    request.end(body);
  });
}

const worker = new Worker<Job>(
  own.WEBHOOK_BASELINE_QUEUE,
  async (job) => {
    const status = await post(job.data);
    if (status < 200 || status >= 300) throw new Error(`HTTP ${status}`);
  },
  { connection, prefix: own.WEBHOOK_BASELINE_PREFIX, concurrency: own.WEBHOOK_BASELINE_CONCURRENCY },
);

const app = new Hono();
app.get("/readyz", async (c) => {
  await worker.waitUntilReady();
  return c.json({ status: "ready" });
});

serveUntilSignal(app, env, async () => {
  await worker.close();
  connection.disconnect();
});
