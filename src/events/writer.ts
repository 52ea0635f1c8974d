import { type SQL, sql } from "drizzle-orm";
import type { StatementParams, Tx } from "../db/client.js";
import { events } from "../db/schema/index.js";
import { newId } from "../ids.js";
import type { Actor, EventType } from "./catalog.js";

export type NewDomainEvent = {
  tenantId: string;
  type: EventType;
  subject: { type: string; id: string };
  actor: Actor;
  channel?: string | undefined;
  /** The customer the event concerns, when known: it puts the event on that customer's timeline. */
  customerId?: string | null | undefined;
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
    customerId: event.customerId ?? null,
    payload: event.payload,
    ...(event.occurredAt ? { occurredAt: event.occurredAt } : {}),
  });
  return id;
}

type EventForStatement = Omit<NewDomainEvent, "subject" | "occurredAt" | "customerId"> & {
  subjectType: string;
  occurredAt: Date;
};

/** The values of eventInsertSql's parameters for one event: the group it names (`{ te: ... }`). */
export function eventInsertValues(event: EventForStatement) {
  return {
    id: newId("event"),
    tenant: event.tenantId,
    type: event.type,
    subject_type: event.subjectType,
    actor_type: event.actor.type,
    actor_id: event.actor.id ?? null,
    channel: event.channel ?? null,
    payload: JSON.stringify(event.payload),
    at: event.occurredAt.toISOString(),
  };
}

/**
 * The same event as an `INSERT ... SELECT`, for a statement template (src/db/client.ts) that writes
 * a change and its event in one round trip (a single statement is one transaction). Its values come
 * from eventInsertValues, under the same group. `from` names a CTE of at most one row whose column
 * `id` is the subject id; `extraPayload` (a jsonb expression over that CTE) is merged into the
 * payload, for values only the statement knows, such as a ticket's number; `customerId` (an
 * expression over that CTE) is the customer the event concerns, for the customer's timeline;
 * `channel` (an expression over that CTE), when given, replaces the group's channel value, for
 * a subject whose channel only the statement reads (a journey's).
 */
export function eventInsertSql(
  group: string,
  p: StatementParams,
  from: { cte: string; extraPayload?: SQL; customerId?: SQL; channel?: SQL },
): SQL {
  const cte = sql.identifier(from.cte);
  const payload = sql`${p[`${group}_payload`]}::jsonb`;
  return sql`INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, actor_id, channel, customer_id, payload, occurred_at)
    SELECT ${p[`${group}_id`]}::text, ${p[`${group}_tenant`]}::text, ${p[`${group}_type`]}::text,
      ${p[`${group}_subject_type`]}::text, ${cte}.id, ${p[`${group}_actor_type`]}::text,
      ${p[`${group}_actor_id`]}::text, ${from.channel ?? p[`${group}_channel`]}::text, ${from.customerId ?? sql`NULL`}::text,
      ${from.extraPayload ? sql`${payload} || ${from.extraPayload}` : payload},
      ${p[`${group}_at`]}::timestamptz
    FROM ${cte}`;
}
