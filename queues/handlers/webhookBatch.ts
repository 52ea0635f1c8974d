import type { Job } from "bullmq";
import { claimsAhead } from "../../src/webhooks/claimsAhead.js";
import { deliverWebhook, deliveryHoldMs } from "../../src/webhooks/deliver.js";
import type { PumpOutcome } from "../../src/webhooks/destinationPumps.js";
import { openFirstAttempts } from "../../src/webhooks/firstAttempts.js";
import { deliveryJobId } from "../../src/webhooks/sweeper.js";
import type { JobPayload } from "../catalog.js";
import { putBack } from "./putBack.js";
import { afterAttempt, limitsOf, type WebhookWorkerDeps } from "./webhooks.js";

/**
 * The first attempts of one relayed batch's deliveries to one destination, in one job: one read of
 * which are still open, then each through this process's line for the destination (within its
 * limits; see destinationPumps), claimed ahead of its turn (see claimsAhead), signed, posted, and
 * its success recorded in a shared statement. A BullMQ job and its Redis round trips per batch,
 * not per delivery.
 *
 * What a batch does not send itself goes to single webhook-delivery jobs: a delivery another worker
 * holds (a crashed worker's, or a single job's) waits in a delayed job until its hold lapses, and a
 * failed attempt's retry is its own delayed job. A destination whose line here is already long sends
 * the job back to delayed (no attempt spent): a slow partner's backlog holds few worker slots. The
 * line calls it back (promotes it) as soon as it runs short.
 */
export function webhookBatchHandler(deps: WebhookWorkerDeps) {
  return async (payload: JobPayload<"webhook-batch">, job: Job, token: string | undefined) => {
    const { destination, deliveryIds } = payload;
    // Asked before any read: a job sent away costs no query.
    const limits = await limitsOf(deps, destination);
    const awayMs = deps.pumps.deferral(destination, limits, deliveryIds.length, job.id ?? "");
    if (awayMs !== undefined) {
      deps.metrics.webhookDeferrals.inc({ reason: "concurrency" });
      return putBack(job, token, awayMs);
    }
    const open = await openFirstAttempts(deps.db, deliveryIds);
    const held = open.filter((d) => d.heldForMs > 0);
    if (held.length > 0) {
      deps.metrics.webhookDeferrals.inc({ reason: "held" }, held.length);
      await deps.producer.enqueueBulk(
        "webhook-delivery",
        held.map((d) => ({
          payload: { deliveryId: d.id, destination },
          options: { jobId: deliveryJobId(d.id, 0), delay: d.heldForMs + 100 },
        })),
      );
    }
    const ready = open.filter((d) => d.heldForMs === 0).map((d) => d.id);
    if (ready.length === 0) return { attempted: 0, held: held.length };
    // About two rounds of the destination's attempts claimed ahead of their turns, and no more than
    // its rate starts in a second: a throttled partner's rows are not held long before their turns.
    const window = Math.min(2 * limits.maxConcurrency, limits.ratePerSecond);
    const claims = claimsAhead(deps.db, deps.webhookSecretKeys, deliveryHoldMs(deps.webhooks), ready, window);
    claims.prime();
    let outcome: PumpOutcome;
    try {
      outcome = await deps.pumps.run(destination, limits, ready, async (deliveryId) => {
        const result = await deliverWebhook(deps.db, deps.webhooks, deps.webhookSecretKeys, deliveryId, {
          handOff: deps.pendingWrites,
          firstOnly: true,
          claimed: claims.take(deliveryId),
        });
        if (result.status === "busy") {
          // Claimed by another worker since the read: its own job once that hold lapses.
          deps.metrics.webhookDeferrals.inc({ reason: "held" });
          await deps.producer.enqueue(
            "webhook-delivery",
            { deliveryId, destination },
            { jobId: deliveryJobId(deliveryId, 0), delay: result.retryAfterMs + 100 },
          );
          return;
        }
        await afterAttempt(deps, { deliveryId, destination }, result);
      });
    } finally {
      // Claims made ahead for deliveries a stopping line did not start: their holds given back.
      await claims.releaseUnused();
    }
    // The process is stopping: the rest waits in Redis for the next worker.
    if (outcome.stopped > 0) return putBack(job, token, 0);
    return { attempted: outcome.attempted, held: held.length };
  };
}
