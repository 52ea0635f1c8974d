import type { NewDelivery } from "../src/webhooks/fanOut.js";
import { type DueDelivery, deliveryJobId } from "../src/webhooks/sweeper.js";
import type { Producer } from "./producer.js";

/** The first jobs of deliveries the fan-out wrote (job ids absorb a repeat). */
export async function enqueueDeliveries(
  producer: Producer,
  deliveries: readonly NewDelivery[],
): Promise<void> {
  await producer.enqueueBulk(
    "webhook-delivery",
    deliveries.map(({ deliveryId, destination }) => ({
      payload: { deliveryId, destination },
      options: { jobId: deliveryJobId(deliveryId, 0) },
    })),
  );
}

/**
 * Puts the jobs of these deliveries' next attempts on the queue where Redis lost them
 * (Producer.requeueLost). A delayed one is promoted when `promote` (a retry asked for now); the
 * sweeper leaves it, as it is in Redis and runs when due. Returns how many jobs were added or
 * promoted.
 */
export async function requeueDeliveries(
  producer: Producer,
  deliveries: readonly DueDelivery[],
  options: { promote: boolean },
): Promise<number> {
  const jobs = deliveries.map((d) => ({
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
  const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
  const delayed = jobIds.filter((_, i) => states[i] === "delayed");
  await Promise.all(
    delayed.map(async (id) => {
      const job = await queue.getJob(id);
      // It may have left the delayed set since its state was read: then it runs anyway.
      await job?.promote().catch(async (err: unknown) => {
        if ((await job.getState()) === "delayed") throw err;
      });
    }),
  );
  return delayed.length;
}
