import type { EventEmitter } from "node:events";
import type { Logger } from "../src/logger.js";
import type { Producer } from "./producer.js";
import { type RecurringJob, upsertRecurringJob } from "./schedules.js";

/** How often the keeper looks for missing schedulers when no connection told it anything. */
const recurringJobsCheckEveryMs = 10_000;

export type RecurringJobsKeeper = {
  /** Creates the schedulers that are missing; resolves with the ids it created. */
  ensure(): Promise<string[]>;
  stop(): void;
};

/**
 * Keeps the recurring jobs' schedulers in Redis. They live only there: a Redis that comes back empty
 * (no persistence, a failover to a replica that lacked them, a flush) would otherwise stop the outbox
 * relay, the SLA scan and the idempotency prune for good. The keeper creates every missing scheduler
 * at start (a failure there is thrown), each time one of `connections` becomes ready again, and every
 * checkEveryMs besides, since a flush or a failover behind a proxy drops no connection.
 */
export async function keepRecurringJobs(options: {
  producer: Producer;
  jobs: readonly RecurringJob[];
  /** Redis connections whose "ready" (after a reconnect) may mean the data is gone. */
  connections: readonly EventEmitter[];
  logger: Logger;
  checkEveryMs?: number;
}): Promise<RecurringJobsKeeper> {
  const { producer, jobs, connections, logger } = options;
  let running: Promise<string[]> | undefined;
  let queued: Promise<string[]> | undefined;

  const createMissing = async (): Promise<string[]> => {
    const created: string[] = [];
    for (const job of jobs) {
      // Only missing ones: checking is one read, an upsert rewrites the scheduler and its next job.
      if (await producer.queues[job.queue].getJobScheduler(job.schedulerId)) continue;
      await upsertRecurringJob(producer, job);
      created.push(job.schedulerId);
    }
    return created;
  };
  // One check at a time; a call during a check gets one more check after it, since the one running
  // may have read Redis before the data went.
  const ensure = (): Promise<string[]> => {
    if (!running) {
      running = createMissing().finally(() => {
        running = undefined;
      });
      return running;
    }
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return ensure();
      });
    return queued;
  };

  const repair = (reason: "reconnected" | "periodic check") => {
    ensure().then(
      (created) => {
        if (created.length > 0)
          logger.warn({ created, reason }, "recreated recurring jobs missing from Redis");
      },
      (err: unknown) => logger.warn({ err, reason }, "could not check the recurring jobs in Redis"),
    );
  };

  await ensure();
  const onReady = () => repair("reconnected");
  for (const connection of connections) connection.on("ready", onReady);
  const timer = setInterval(
    () => repair("periodic check"),
    options.checkEveryMs ?? recurringJobsCheckEveryMs,
  );
  timer.unref();

  return {
    ensure,
    stop() {
      clearInterval(timer);
      for (const connection of connections) connection.off("ready", onReady);
    },
  };
}
