import type { Redis } from "ioredis";
import type { QueueName } from "../../queues/catalog.js";
import { bullPrefix, createRedisConnection } from "../../queues/connection.js";
import type { EventSubscriber } from "../../queues/handlers/domainEvents.js";
import { jobHandlers } from "../../queues/handlers/index.js";
import type { NotificationWorkerDeps } from "../../queues/handlers/notifications.js";
import { batchJobRecaller } from "../../queues/webhookJobs.js";
import { startWorkers, type WorkerPool } from "../../queues/workerRunner.js";
import type { WebhookSettings } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { deliveryHoldMs } from "../../src/webhooks/deliver.js";
import { destinationLimiter } from "../../src/webhooks/destinationLimiter.js";
import { destinationPumps } from "../../src/webhooks/destinationPumps.js";
import { PendingWrites } from "../../src/webhooks/pendingWrites.js";
import { testRedisUrl } from "./env.js";
import type { TestHub } from "./testHub.js";

const silent = createLogger({ level: "silent", pretty: false });

export type TestWorkerOptions = {
  queues?: QueueName[];
  subscribers?: EventSubscriber[];
  webhooks?: WebhookSettings;
  /** A webhook success record that fails throws by default: an unhandled rejection fails the file. */
  pendingWrites?: PendingWrites;
  notifications?: NotificationWorkerDeps;
  concurrency?: Parameters<typeof startWorkers>[0]["concurrency"];
  limiters?: Parameters<typeof startWorkers>[0]["limiters"];
};

/**
 * Workers on a test hub's queues, their handlers wired as src/hub.ts wires them, on a connection of
 * their own; a test names only what it varies. The caller closes the pool (which waits for the
 * webhook success records still being written) and the connection.
 */
export function startTestWorkers(
  hub: TestHub,
  options: TestWorkerOptions = {},
): { pool: WorkerPool; connection: Redis } {
  const connection = createRedisConnection(testRedisUrl, "worker");
  const prefix = bullPrefix(hub.prefix);
  const pendingWrites =
    options.pendingWrites ??
    new PendingWrites((err) => {
      throw err;
    });
  const webhooks = options.webhooks ?? hub.config.webhooks;
  const limiter = destinationLimiter(connection, prefix, silent);
  const pumps = destinationPumps({
    limiter,
    holdMs: deliveryHoldMs(webhooks),
    maxAttempts: webhooks.workerConcurrency,
    onRefused: (reason) => hub.metrics.webhookDeferrals.inc({ reason }),
    recall: batchJobRecaller(hub.producer),
  });
  const workers = startWorkers({
    connection,
    prefix,
    logger: silent,
    metrics: hub.metrics,
    ...(options.queues ? { queues: options.queues } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
    ...(options.limiters ? { limiters: options.limiters } : {}),
    handlers: jobHandlers({
      db: hub.db,
      producer: hub.producer,
      metrics: hub.metrics,
      subscribers: options.subscribers ?? [],
      webhooks,
      webhookSecretKeys: hub.config.channels.secretKeys,
      limiter,
      pumps,
      pendingWrites,
      inbound: hub.inbound,
      ...(options.notifications ? { notifications: options.notifications } : {}),
    }),
  });
  // As the hub closes them: the workers, then the success records their last jobs left in flight,
  // before the caller closes the database (a record written after it would be an unhandled failure).
  const pool: WorkerPool = {
    workers: workers.workers,
    async close() {
      pumps.stop();
      await workers.close();
      await pendingWrites.settled();
    },
  };
  return { pool, connection };
}
