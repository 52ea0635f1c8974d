import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../src/logger.js";
import type { Metrics } from "../src/metrics.js";
import { type JobPayload, jobCatalog, type QueueName, queueNames } from "./catalog.js";

/** One handler per queue of the catalog: a queue without a handler is a compile error. */
export type JobHandlers = {
  /** `token` is the worker's lock on the job, which moving it back to delayed needs. */
  [Q in QueueName]: (payload: JobPayload<Q>, job: Job, token: string | undefined) => Promise<unknown>;
};

export type WorkerPool = { readonly workers: readonly Worker[]; close(): Promise<void> };

/**
 * Starts one BullMQ worker per queue. Each payload is validated again before its handler runs; one
 * that does not fit the catalog can never succeed, so it fails at once without retries.
 */
export function startWorkers(options: {
  connection: Redis;
  prefix: string;
  handlers: JobHandlers;
  logger: Logger;
  metrics: Metrics;
  queues?: readonly QueueName[];
  /** Jobs run at once per queue where config says other than the catalog's default. */
  concurrency?: Partial<Record<QueueName, number>>;
  /** Per-queue rate limits (a provider's quota): at most `max` jobs per `duration` ms across workers. */
  limiters?: Partial<Record<QueueName, { max: number; duration: number }>>;
}): WorkerPool {
  const { connection, prefix, handlers, logger, metrics } = options;
  const workers = (options.queues ?? queueNames).map((name) => {
    const entry = jobCatalog[name];
    const handler = handlers[name] as (
      payload: unknown,
      job: Job,
      token: string | undefined,
    ) => Promise<unknown>;
    const lock: { lockDurationMs: number; stalledIntervalMs: number } | undefined =
      "worker" in entry ? entry.worker : undefined;
    const worker = new Worker(
      name,
      async (job, token) => {
        const parsed = entry.payload.safeParse(job.data);
        if (!parsed.success)
          throw new UnrecoverableError(`payload does not fit ${name}: ${parsed.error.message}`);
        return handler(parsed.data, job, token);
      },
      {
        connection,
        prefix,
        concurrency: options.concurrency?.[name] ?? entry.concurrency,
        autorun: true,
        ...(lock ? { lockDuration: lock.lockDurationMs, stalledInterval: lock.stalledIntervalMs } : {}),
        ...(options.limiters?.[name] ? { limiter: options.limiters[name] } : {}),
      },
    );
    worker.on("completed", () => metrics.jobsProcessed.inc({ queue: name, outcome: "completed" }));
    worker.on("failed", (job, err) => {
      metrics.jobsProcessed.inc({ queue: name, outcome: "failed" });
      // A failure BullMQ will retry is a warning; the last one, or one it must not retry, an error.
      const retried =
        job && !(err instanceof UnrecoverableError) && job.attemptsMade < (job.opts.attempts ?? 1);
      const fields = { err, queue: name, jobId: job?.id, attempt: job?.attemptsMade };
      if (retried) logger.warn(fields, "job failed; retrying");
      else logger.error(fields, "job failed");
    });
    worker.on("error", (err) => logger.error({ err, queue: name }, "worker error"));
    return worker;
  });
  return {
    workers,
    // Worker.close waits for the jobs in hand to finish; jobs not started stay in the queue.
    close: async () => {
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
