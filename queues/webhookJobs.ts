import type { Queue } from "bullmq";
import { deliveryJobId } from "../src/webhooks/sweeper.js";
import { jobCatalog } from "./catalog.js";

/**
 * Puts the job of a delivery's next attempt on the queue, now: a delayed one is promoted, a waiting
 * or active one left alone, and one that finished without recording (a crash) removed first, as
 * its id would keep the new one out. Returns whether a job was added or promoted.
 */
export async function requeueDelivery(
  queue: Queue,
  delivery: { id: string; attemptCount: number },
): Promise<boolean> {
  const jobId = deliveryJobId(delivery.id, delivery.attemptCount);
  const job = await queue.getJob(jobId);
  if (job) {
    const state = await job.getState();
    if (state === "delayed") {
      await job.promote();
      return true;
    }
    if (state !== "completed" && state !== "failed") return false;
    await job.remove();
  }
  const data = jobCatalog["webhook-delivery"].payload.parse({ deliveryId: delivery.id });
  await queue.add("webhook-delivery", data, { jobId });
  return true;
}
