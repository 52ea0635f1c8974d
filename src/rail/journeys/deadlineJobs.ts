import type { Producer } from "../../../queues/producer.js";
import type { Logger } from "../../logger.js";
import type { DeadlineScheduler, JourneyDeadline } from "./ports.js";

/** Deterministic: scheduling one deadline twice adds one job (BullMQ ids may not hold ":"). */
function deadlineJobId(journeyId: string, deadline: JourneyDeadline): string {
  return deadline.kind === "sla" ? `${journeyId}.sla` : `${journeyId}.step.${deadline.stepIndex}`;
}

/**
 * Deadlines as delayed jobs on the journey-deadlines queue. The state change is already committed
 * when this runs: a Redis that does not answer is logged, not thrown, and the deadline sweeper
 * (journey-deadline-sweep) marks the journey from PostgreSQL instead.
 */
export function queuedDeadlines(producer: Producer, logger: Logger): DeadlineScheduler {
  return {
    async schedule(tenantId, journeyId, deadlines) {
      try {
        await producer.enqueueBulk(
          "journey-deadlines",
          deadlines.map((d) => ({
            payload: { tenantId, journeyId },
            options: {
              jobId: deadlineJobId(journeyId, d),
              delay: Math.max(0, d.at.getTime() - Date.now()),
            },
          })),
        );
      } catch (err) {
        logger.warn({ err, journeyId }, "journey deadline not queued; the deadline sweeper will mark it");
      }
    },
  };
}
