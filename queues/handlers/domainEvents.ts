import { and, eq } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";
import { type EventRow, events } from "../../src/db/schema/index.js";
import type { JobPayload } from "../catalog.js";

/**
 * Something that reacts to domain events after they are committed: webhook delivery, notifications,
 * analytics. Each later module registers its own; a subscriber must be idempotent, because an event
 * can be handed to it more than once.
 */
export type EventSubscriber = {
  readonly name: string;
  wants(type: string): boolean;
  handle(event: EventRow): Promise<void>;
};

export type DispatchResult = { status: "dispatched"; subscribers: string[] } | { status: "event_missing" };

/** Some subscriber wants events of this type: only those are relayed and read. */
export function anyWants(subscribers: readonly EventSubscriber[], type: string): boolean {
  return subscribers.some((s) => s.wants(type));
}

export async function dispatchDomainEvent(
  db: Database,
  subscribers: readonly EventSubscriber[],
  job: JobPayload<"domain-events">,
): Promise<DispatchResult> {
  // The job carries the type: a job nobody wants any more (a subscriber was removed) costs no read.
  if (!anyWants(subscribers, job.type)) return { status: "dispatched", subscribers: [] };
  const [event] = await db
    .select()
    .from(events)
    .where(and(eq(events.id, job.eventId), eq(events.tenantId, job.tenantId)));
  if (!event) return { status: "event_missing" };
  const interested = subscribers.filter((s) => s.wants(event.type));
  // One failing subscriber fails the job so it is retried; the others must tolerate the repeat.
  for (const subscriber of interested) await subscriber.handle(event);
  return { status: "dispatched", subscribers: interested.map((s) => s.name) };
}
