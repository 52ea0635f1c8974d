import { and, eq } from "drizzle-orm";
import type { Database, Tx } from "../../src/db/client.js";
import { type EventRow, events } from "../../src/db/schema/index.js";
import type { JobPayload } from "../catalog.js";

/**
 * Something that reacts to domain events after they are committed: webhook delivery, notifications,
 * analytics. Each later module registers its own; a subscriber must be idempotent, because an event
 * can be handed to it more than once. Its name is part of job ids: letters, digits, '-' and '_'.
 *
 * Most subscribers get one domain-events job per event (`handle`). A subscriber whose work must
 * outlive Redis and can be written as rows instead (webhook deliveries) takes the relay's batch in
 * the relay's own transaction (`inRelay`): its rows commit with the events' publication, so no
 * relayed event is lost with a job, and a batch costs a few statements instead of a job per event.
 */
export type EventSubscriber = JobSubscriber | RelaySubscriber;

type SubscriberBase = { readonly name: string; wants(type: string): boolean };

export type JobSubscriber = SubscriberBase & {
  /**
   * Which of a relayed batch's events (already of types it wants) it has work for, decided with a
   * read or two per batch in the relay's transaction. A subscriber whose work depends on data uses
   * it so that an event with nothing to do costs no job; without it, every event of a wanted type
   * becomes a job.
   */
  interestedIn?(tx: Tx, events: readonly RelayedEvent[]): Promise<ReadonlySet<string>>;
  handle(event: EventRow): Promise<void>;
};

export type RelaySubscriber = SubscriberBase & {
  /**
   * Writes its work for the batch's events of types it wants in the relay's transaction, and
   * answers what to do once that transaction has committed (enqueue jobs for the rows). A failure
   * here rolls the relay's batch back, to be tried again; a failure after the commit loses nothing
   * that the rows do not hold.
   */
  inRelay(tx: Tx, events: readonly RelayedEvent[]): Promise<() => Promise<void>>;
};

/** What the relay knows of an event when it decides which subscribers get a job for it. */
export type RelayedEvent = Pick<EventRow, "id" | "tenantId" | "type" | "subjectType" | "subjectId">;

export type DispatchResult =
  | { status: "dispatched"; subscriber: string }
  | { status: "subscriber_gone" }
  | { status: "event_missing" };

/**
 * The job id of one subscriber's handling of one event. Each subscriber has its own job, attempts
 * and failure, so one failing subscriber neither re-runs nor loses the event for another; the id is
 * deterministic so a relay that runs twice enqueues once (BullMQ refuses ':' in custom ids).
 */
export function subscriberJobId(eventId: string, subscriber: string): string {
  return `${eventId}.${subscriber}`;
}

/** Runs the one subscriber the job names on its event. */
export async function dispatchDomainEvent(
  db: Database,
  subscribers: readonly EventSubscriber[],
  job: JobPayload<"domain-events">,
): Promise<DispatchResult> {
  // A subscriber removed since the job was queued: its job has nothing to do, and costs no read.
  const subscriber = subscribers.find((s) => s.name === job.subscriber);
  if (!subscriber?.wants(job.type) || !("handle" in subscriber)) return { status: "subscriber_gone" };
  const [event] = await db
    .select()
    .from(events)
    .where(and(eq(events.id, job.eventId), eq(events.tenantId, job.tenantId)));
  if (!event) return { status: "event_missing" };
  // A failure fails this subscriber's job only; BullMQ retries it on the catalog's backoff.
  await subscriber.handle(event);
  return { status: "dispatched", subscriber: subscriber.name };
}
