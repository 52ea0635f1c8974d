import { batchLane } from "../src/db/batchLane.js";
import type { JobPayload, QueueName } from "./catalog.js";
import type { Producer } from "./producer.js";

type Update<Q extends QueueName> = {
  jobId: string;
  payload: JobPayload<Q>;
  resolve: () => void;
  reject: (err: unknown) => void;
};

/** Updates of one queue's jobs waiting at most: past it a batch is as large as it gets. */
const maxRows = 100;

/**
 * Job data written in batches, one lane per queue: the updates asked for while a queue's last call
 * is in Redis go together in its next (Producer.updateJobsData, one script call), so under load
 * jobs that each write their data once cost one round trip for many, and an idle worker's update
 * goes at once. A call resolves once its job's data is in Redis, and rejects if it is not (the job
 * is gone, or Redis failed the batch).
 */
export function batchedJobDataUpdates(producer: Producer) {
  const lanes = new Map<QueueName, ReturnType<typeof batchLane<Update<QueueName>>>>();
  const laneOf = <Q extends QueueName>(queue: Q) => {
    let lane = lanes.get(queue);
    if (!lane) {
      lane = batchLane<Update<QueueName>>({ maxRows, maxInFlight: 1 }, async (batch) => {
        try {
          const written = await producer.updateJobsData(queue, batch as Update<Q>[]);
          for (const [i, u] of batch.entries()) {
            if (written[i]) u.resolve();
            else u.reject(new Error(`job ${u.jobId} of ${queue} is no longer in Redis`));
          }
        } catch (err) {
          for (const u of batch) u.reject(err);
        }
      });
      lanes.set(queue, lane);
    }
    return lane;
  };
  return <Q extends QueueName>(queue: Q, jobId: string, payload: JobPayload<Q>): Promise<void> =>
    new Promise((resolve, reject) => {
      laneOf(queue).add({ jobId, payload, resolve, reject });
    });
}
