import type { Tx } from "../db/client.js";
import { events } from "../db/schema/index.js";
import { newId } from "../ids.js";
import type { Actor, EventType } from "./catalog.js";

export type NewDomainEvent = {
  tenantId: string;
  type: EventType;
  subject: { type: string; id: string };
  actor: Actor;
  channel?: string | undefined;
  payload: Record<string, unknown>;
  /** Defaults to the database's now(); pass one only to keep several events of one change in order. */
  occurredAt?: Date;
};

/**
 * The one way to record a domain event. It takes a transaction, not the database, so an event is
 * only ever written together with the state change it describes, and the two commit or fail as one.
 */
export async function recordEvent(tx: Tx, event: NewDomainEvent): Promise<string> {
  const id = newId("event");
  await tx.insert(events).values({
    id,
    tenantId: event.tenantId,
    type: event.type,
    subjectType: event.subject.type,
    subjectId: event.subject.id,
    actorType: event.actor.type,
    actorId: event.actor.id ?? null,
    channel: event.channel ?? null,
    payload: event.payload,
    ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
  });
  return id;
}
