import { and, count, desc, eq, gte, inArray, lte, or, type SQL, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { approvals, events, users } from "../../db/schema/index.js";
import { type PageRequest, pageWindow } from "../../http/pagination.js";
import { timelineEventType, timelineSummary } from "./summaries.js";

export const timelineEntityTypes = [
  "customer",
  "journey",
  "contract",
  "payment",
  "approval",
  "delegation",
  "ticket",
] as const;
export type TimelineEntityType = (typeof timelineEntityTypes)[number];

export type TimelineQuery = {
  entityType: TimelineEntityType;
  entityId: string;
  from?: Date | undefined;
  to?: Date | undefined;
  /** As the Rail names them (`journey.created`) or as webhooks do (`omni.journey.created`). */
  eventTypes?: readonly string[] | undefined;
};

export type TimelineEntry = {
  id: string;
  timestamp: string;
  eventType: string;
  actorId?: string;
  actorName?: string;
  channel?: string;
  summary: string;
  metadata: Record<string, unknown>;
};

/**
 * Which events belong to the entity's timeline. A customer's: every event written for that
 * customer (their tickets, journeys, approvals, sessions, notifications; writers set customer_id),
 * one range of events_customer_time_idx. Another entity's: its own events (events_subject_idx) and
 * those of the approvals raised on it (approvals_entity_idx). Neither grows with the table.
 */
function entityCondition(tenantId: string, q: TimelineQuery): SQL | undefined {
  if (q.entityType === "customer") return eq(events.customerId, q.entityId);
  const own = and(eq(events.subjectType, q.entityType), eq(events.subjectId, q.entityId));
  if (q.entityType === "approval" || q.entityType === "delegation") return own;
  const entityApprovals = sql`(SELECT ${approvals.id} FROM ${approvals}
    WHERE ${approvals.tenantId} = ${tenantId} AND ${approvals.entityType} = ${q.entityType} AND ${approvals.entityId} = ${q.entityId})`;
  return or(own, and(eq(events.subjectType, "approval"), inArray(events.subjectId, entityApprovals)));
}

function typeFilter(types: readonly string[] | undefined): SQL | undefined {
  if (!types || types.length === 0) return undefined;
  const names = types.flatMap((t) => (t.startsWith("omni.") ? [t] : [t, `omni.${t}`]));
  return inArray(events.type, [...new Set(names)]);
}

/** An entity's activity, newest first, with the names of users who acted. */
export async function readTimeline(db: Database, tenantId: string, q: TimelineQuery, page: PageRequest) {
  const where = and(
    eq(events.tenantId, tenantId),
    entityCondition(tenantId, q),
    q.from ? gte(events.occurredAt, q.from) : undefined,
    q.to ? lte(events.occurredAt, q.to) : undefined,
    typeFilter(q.eventTypes),
  );
  const { limit, offset } = pageWindow(page);
  const [rows, totals] = await Promise.all([
    db
      .select({
        id: events.id,
        type: events.type,
        occurredAt: events.occurredAt,
        actorType: events.actorType,
        actorId: events.actorId,
        channel: events.channel,
        payload: events.payload,
        actorName: users.name,
      })
      .from(events)
      .leftJoin(
        users,
        and(eq(users.tenantId, events.tenantId), eq(users.id, events.actorId), eq(events.actorType, "user")),
      )
      .where(where)
      .orderBy(desc(events.occurredAt), desc(events.id))
      .limit(limit)
      .offset(offset),
    db.select({ n: count() }).from(events).where(where),
  ]);
  const items = rows.map(
    (r): TimelineEntry => ({
      id: r.id,
      timestamp: r.occurredAt.toISOString(),
      eventType: timelineEventType(r.type),
      ...(r.actorId ? { actorId: r.actorId } : {}),
      ...(r.actorName ? { actorName: r.actorName } : {}),
      ...(r.channel ? { channel: r.channel } : {}),
      summary: timelineSummary(r.type, r.payload),
      metadata: r.payload,
    }),
  );
  return { items, total: totals[0]?.n ?? 0 };
}
