import { asc, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";
import { events } from "../../src/db/schema/index.js";
import type { Producer } from "../producer.js";
import { type EventSubscriber, subscriberJobId } from "./domainEvents.js";

/** Events moved per transaction; a pass that moves this many leaves more waiting. */
export const relayBatchSize = 500;

/**
 * Moves unpublished events to the domain-events queue, oldest first, and marks them published: one
 * job per (event, subscriber that wants it). Events no subscriber wants are marked without a job: a queue job costs several Redis round trips.
 * Rows are locked with SKIP LOCKED so several workers can relay side by side. If the commit fails
 * after the jobs were added, the next run adds them again under the same job ids, which BullMQ
 * ignores: delivery is at least once and duplicates are absorbed by the job id.
 * Returns how many events it moved; a full batch means more are waiting.
 */
export async function relayOutbox(
  db: Database,
  producer: Producer,
  subscribers: readonly EventSubscriber[],
): Promise<number> {
  return db.transaction(async (tx) => {
    const pending = await tx
      .select({ id: events.id, tenantId: events.tenantId, type: events.type })
      .from(events)
      .where(isNull(events.publishedAt))
      .orderBy(asc(events.occurredAt), asc(events.id))
      .limit(relayBatchSize)
      .for("update", { skipLocked: true });
    if (pending.length === 0) return 0;
    // Only events some subscriber reacts to become jobs; the rest are published by being marked.
    await producer.enqueueBulk(
      "domain-events",
      pending.flatMap((e) =>
        subscribers
          .filter((s) => s.wants(e.type))
          .map((s) => ({
            payload: { eventId: e.id, tenantId: e.tenantId, type: e.type, subscriber: s.name },
            options: { jobId: subscriberJobId(e.id, s.name) },
          })),
      ),
    );
    await tx
      .update(events)
      .set({ publishedAt: sql`now()` })
      .where(
        inArray(
          events.id,
          pending.map((e) => e.id),
        ),
      );
    return pending.length;
  });
}
