import type { Queue } from "bullmq";
import type { NewDelivery } from "../src/webhooks/fanOut.js";
import { type DueDelivery, deliveryJobId } from "../src/webhooks/sweeper.js";
import type { Producer } from "./producer.js";

/**
 * The first attempts of deliveries the fan-out wrote: one webhook-batch job per (relayed batch,
 * destination), carrying the deliveries' ids (job ids absorb a repeat).
 */
export async function enqueueDeliveries(
  producer: Producer,
  deliveries: readonly NewDelivery[],
): Promise<void> {
  const batches = new Map<string, { destination: string; deliveryIds: string[] }>();
  for (const { deliveryId, destination, batchJobId } of deliveries) {
    const batch = batches.get(batchJobId) ?? { destination, deliveryIds: [] };
    batch.deliveryIds.push(deliveryId);
    batches.set(batchJobId, batch);
  }
  await producer.enqueueBulk(
    "webhook-batch",
    [...batches].map(([jobId, payload]) => ({ payload, options: { jobId } })),
  );
}

/** A batch job's states in which it will still run its deliveries' first attempts. */
const liveStates = new Set(["waiting", "delayed", "active", "prioritized", "waiting-children"]);

/**
 * The sweeper's candidates less those whose first attempt a batch job still in Redis will make:
 * one state read per batch job, sent together.
 */
async function withoutLiveBatches(
  producer: Producer,
  deliveries: readonly DueDelivery[],
): Promise<DueDelivery[]> {
  const batchJobIds = [
    ...new Set(deliveries.flatMap((d) => (d.attemptCount === 0 && d.batchJobId ? [d.batchJobId] : []))),
  ];
  const queue = producer.queues["webhook-batch"];
  const states = await Promise.all(batchJobIds.map((id) => queue.getJobState(id)));
  const live = new Set(batchJobIds.filter((_, i) => liveStates.has(states[i] ?? "unknown")));
  return deliveries.filter((d) => !(d.attemptCount === 0 && d.batchJobId && live.has(d.batchJobId)));
}

/**
 * Puts the jobs of these deliveries' next attempts on the queue where Redis lost them
 * (Producer.requeueLost), as single webhook-delivery jobs. A delayed one is promoted when
 * `promote` (a retry asked for now, which runs now even if a batch job would reach it later); the
 * sweeper leaves it, as it is in Redis and runs when due, and leaves a first attempt whose batch job
 * is still in Redis. Returns how many jobs were added or promoted.
 */
export async function requeueDeliveries(
  producer: Producer,
  deliveries: readonly DueDelivery[],
  options: { promote: boolean },
): Promise<number> {
  const uncovered = options.promote ? deliveries : await withoutLiveBatches(producer, deliveries);
  const jobs = uncovered.map((d) => ({
    payload: { deliveryId: d.deliveryId, destination: d.destination },
    options: { jobId: deliveryJobId(d.deliveryId, d.attemptCount) },
  }));
  const promoted = options.promote
    ? await promoteDelayed(
        producer,
        jobs.map((j) => j.options.jobId),
      )
    : 0;
  return promoted + (await producer.requeueLost("webhook-delivery", jobs));
}

/** Runs now the jobs among these that wait for a retry's delay; returns how many it promoted. */
async function promoteDelayed(producer: Producer, jobIds: readonly string[]): Promise<number> {
  const queue = producer.queues["webhook-delivery"];
  const promoted = await Promise.all(jobIds.map((id) => promoteIfDelayed(queue, id)));
  return promoted.filter(Boolean).length;
}

/**
 * Calls a webhook-batch job that a destination's line sent away back now (see destinationPumps):
 * true when it was waiting as delayed and now waits to run.
 */
export function batchJobRecaller(producer: Producer): (jobId: string) => Promise<boolean> {
  const queue = producer.queues["webhook-batch"];
  return (jobId) => promoteIfDelayed(queue, jobId);
}

/** Moves a delayed job to waiting; false when it was not delayed (gone, waiting, running, done). */
async function promoteIfDelayed(queue: Queue, jobId: string): Promise<boolean> {
  const job = await queue.getJob(jobId);
  if (!job) return false;
  try {
    await job.promote();
    return true;
  } catch (err) {
    // It may have left the delayed set since it was read: then it runs anyway.
    if ((await job.getState()) === "delayed") throw err;
    return false;
  }
}
