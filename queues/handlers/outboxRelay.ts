import { sql } from "drizzle-orm";
import { type Database, rowsOf, type Tx } from "../../src/db/client.js";
import { within } from "../../src/within.js";
import type { Producer } from "../producer.js";
import {
  type EventSubscriber,
  type JobSubscriber,
  type RelayedEvent,
  subscriberJobId,
} from "./domainEvents.js";

/** Events moved per transaction; a pass that moves this many leaves more waiting. */
export const relayBatchSize = 500;

/**
 * How long the relay's transaction waits for Redis to take its jobs. Past it the transaction rolls
 * back and gives its outbox rows to the next pass: a Redis that hangs (a queue waiting for a
 * connection that is reconnecting) must not keep the rows locked, and the transaction idle, until
 * PostgreSQL's idle-in-transaction timeout ends the session. Jobs added after all are absorbed by
 * their ids when the next pass adds them again.
 */
const enqueueTimeoutMs = 5000;

/**
 * Moves the outbox's events to the domain-events queue, oldest first, taking them out of it: one
 * job per (event, subscriber that has work for it); a relay subscriber (webhooks) writes its rows in
 * the same transaction instead and enqueues after the commit. Events no subscriber wants are taken
 * without a job: a queue job costs several Redis round trips.
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
  const committed = await db.transaction(async (tx) => {
    const pending = await takeFromOutbox(tx);
    if (pending.length === 0) return { moved: 0, afterCommit: [] };
    // Only events some subscriber has work for become jobs; the rest are relayed by being taken.
    const jobs = [];
    const afterCommit: Array<() => Promise<void>> = [];
    for (const subscriber of subscribers) {
      if ("inRelay" in subscriber) {
        const wanted = pending.filter((e) => subscriber.wants(e.type));
        if (wanted.length > 0) afterCommit.push(await subscriber.inRelay(tx, wanted));
        continue;
      }
      for (const e of await eventsFor(tx, subscriber, pending)) {
        jobs.push({
          payload: { eventId: e.id, tenantId: e.tenantId, type: e.type, subscriber: subscriber.name },
          options: { jobId: subscriberJobId(e.id, subscriber.name) },
        });
      }
    }
    await within(producer.enqueueBulk("domain-events", jobs), enqueueTimeoutMs, "the relay's enqueue");
    return { moved: pending.length, afterCommit };
  });
  for (const step of committed.afterCommit) await step();
  return committed.moved;
}

/**
 * Takes the oldest events of the outbox (event_outbox), skipping rows another relay holds, and in
 * the same statement hands those with a channel to the channel analytics' fold
 * (channel_fold_pending; src/sct07/analytics/fold.ts). Folding is that job's work, not the relay's:
 * the relay takes no lock beyond its rows and spends no time on analytics. Until the relay's
 * transaction commits the rows stay in the outbox for everyone else: a relay that fails gives them back.
 */
async function takeFromOutbox(tx: Tx): Promise<RelayedEvent[]> {
  return rowsOf<RelayedEvent>(
    // By ctid and by = ANY: plain joins were planned as hash joins over the whole outbox and the
    // whole events table, whose cost grows with the backlog and the history.
    await tx.execute(sql`WITH taken AS (
      DELETE FROM event_outbox WHERE ctid = ANY(ARRAY(
        SELECT ctid FROM event_outbox ORDER BY occurred_at, event_id LIMIT ${relayBatchSize} FOR UPDATE SKIP LOCKED
      ))
      RETURNING event_id
    ), relayed AS (
      SELECT e.id, e.tenant_id, e.type, e.subject_type, e.subject_id, e.channel, e.occurred_at
      FROM events e WHERE e.id = ANY(ARRAY(SELECT event_id FROM taken))
    ), folded_later AS (
      INSERT INTO channel_fold_pending (tenant_id, event_id)
      SELECT tenant_id, id FROM relayed WHERE channel IS NOT NULL
    )
    SELECT id, tenant_id AS "tenantId", type, subject_type AS "subjectType", subject_id AS "subjectId"
    FROM relayed ORDER BY occurred_at, id`),
  );
}
/** The batch's events of types the subscriber wants, narrowed to those it says it has work for. */
async function eventsFor(
  tx: Tx,
  subscriber: JobSubscriber,
  batch: readonly RelayedEvent[],
): Promise<readonly RelayedEvent[]> {
  const wanted = batch.filter((e) => subscriber.wants(e.type));
  if (wanted.length === 0 || !subscriber.interestedIn) return wanted;
  const interesting = await subscriber.interestedIn(tx, wanted);
  return wanted.filter((e) => interesting.has(e.id));
}
