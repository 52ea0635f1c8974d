import { asc, isNull, sql } from "drizzle-orm";
import type { Database, Tx } from "../../src/db/client.js";
import { events } from "../../src/db/schema/index.js";
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
    await markPublished(
      tx,
      pending.map((e) => e.id),
    );
    return pending.length;
  });
}

/**
 * Marks the events published, and in the same statement hands those with a channel to the channel
 * analytics' fold (channel_fold_pending; src/sct07/analytics/fold.ts). Folding is that job's work,
 * not the relay's: the relay takes no lock beyond its rows and spends no time on analytics, so an
 * event's way to its subscribers and webhooks is as short as it was; the analytics count pending
 * events live until they are folded.
 */
async function markPublished(tx: Tx, ids: readonly string[]): Promise<void> {
  const list = sql`ARRAY[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`;
  await tx.execute(sql`WITH published AS (
      UPDATE events SET published_at = now() WHERE id = ANY(${list}) RETURNING id, tenant_id, channel
    )
    INSERT INTO channel_fold_pending (tenant_id, event_id)
    SELECT tenant_id, id FROM published WHERE channel IS NOT NULL`);
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
