import { DelayedError, type Job } from "bullmq";

/**
 * Puts the job back as delayed, its worker slot freed at once for other jobs, and tells BullMQ so
 * (DelayedError): not a failure, no attempt spent.
 */
export async function putBack(job: Job, token: string | undefined, delayMs: number): Promise<never> {
  await job.moveToDelayed(Date.now() + delayMs, token);
  throw new DelayedError();
}
