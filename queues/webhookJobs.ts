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
 * Puts the jobs of these deliveries' next attempts on the queue: a missing one is added, one that
 * finished without recording (a crash) removed first, as its id would keep the new one out, and a
 * waiting or active one left alone. A delayed one is promoted when `promote` (a retry asked for
 * now); the sweeper leaves it, as it is in Redis and runs when due. One state read per delivery, all
 * sent at once, and one bulk add. Returns how many jobs were added or promoted.
 */
export async function requeueDeliveries(
  producer: Producer,
  deliveries: readonly DueDelivery[],
  options: { promote: boolean },
): Promise<number> {
  const queue = producer.queues["webhook-delivery"];
  const withIds = deliveries.map((d) => ({ ...d, jobId: deliveryJobId(d.deliveryId, d.attemptCount) }));
  const states = await Promise.all(withIds.map((d) => queue.getJobState(d.jobId)));
  const missing: typeof withIds = [];
  let promoted = 0;
  await Promise.all(
    withIds.map(async (d, i) => {
      const state = states[i];
      if (state === "delayed" && options.promote) {
        const job = await queue.getJob(d.jobId);
        // It may have left the delayed set since its state was read: then it runs anyway.
        await job?.promote().catch(async (err: unknown) => {
          if ((await job.getState()) === "delayed") throw err;
        });
        promoted++;
      } else if (state === "completed" || state === "failed") {
        await queue.remove(d.jobId);
        missing.push(d);
      } else if (state === "unknown") {
        missing.push(d);
      }
    }),
  );
  await producer.enqueueBulk(
    "webhook-delivery",
    missing.map((d) => ({
      payload: { deliveryId: d.deliveryId, destination: d.destination },
      options: { jobId: d.jobId },
    })),
  );
  return promoted + missing.length;
}
