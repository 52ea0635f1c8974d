import { asc, inArray, isNull, sql } from "drizzle-orm";
import type { Database, Tx } from "../../src/db/client.js";
import { events } from "../../src/db/schema/index.js";
import { foldChannelActivity } from "../../src/sct07/analytics/fold.js";
import type { Producer } from "../producer.js";
import { type EventSubscriber, type RelayedEvent, subscriberJobId } from "./domainEvents.js";

/** Events moved per transaction; a pass that moves this many leaves more waiting. */
export const relayBatchSize = 500;

/**
 * Moves unpublished events to the domain-events queue, oldest first, and marks them published: one
 * job per (event, subscriber that has work for it). Events no subscriber wants are marked without a job: a queue job costs several Redis round trips.
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
      .select({
        id: events.id,
        tenantId: events.tenantId,
        type: events.type,
        subjectType: events.subjectType,
        subjectId: events.subjectId,
      })
      .from(events)
      .where(isNull(events.publishedAt))
      .orderBy(asc(events.occurredAt), asc(events.id))
      .limit(relayBatchSize)
      .for("update", { skipLocked: true });
    if (pending.length === 0) return 0;
    // Only events some subscriber has work for become jobs; the rest are published by being marked.
    const jobs = [];
    for (const subscriber of subscribers) {
      for (const e of await eventsFor(tx, subscriber, pending)) {
        jobs.push({
          payload: { eventId: e.id, tenantId: e.tenantId, type: e.type, subscriber: subscriber.name },
          options: { jobId: subscriberJobId(e.id, subscriber.name) },
        });
      }
    }
    await producer.enqueueBulk("domain-events", jobs);
    // Channel analytics count published events from their rollups: fold them as they are published.
    await foldChannelActivity(
      tx,
      pending.map((e) => e.id),
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

/** The batch's events of types the subscriber wants, narrowed to those it says it has work for. */
async function eventsFor(
  tx: Tx,
  subscriber: EventSubscriber,
  batch: readonly RelayedEvent[],
): Promise<readonly RelayedEvent[]> {
  const wanted = batch.filter((e) => subscriber.wants(e.type));
  if (wanted.length === 0 || !subscriber.interestedIn) return wanted;
  const interesting = await subscriber.interestedIn(tx, wanted);
  return wanted.filter((e) => interesting.has(e.id));
}
