import {
  and,
  asc,
  type Column,
  count,
  desc,
  eq,
  ilike,
  inArray,
  notInArray,
  type SQL,
  sql,
} from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { attachments, claims, comments, customers, type TicketRow, tickets } from "../db/schema/index.js";
import {
  closedStatuses,
  type Priority,
  type ServiceType,
  type TicketChannel,
  type TicketStatus,
} from "./vocabulary.js";

type Reader = Database | Tx;

/** How a partner names a ticket: its number, the channel's reference, or either (path parameter). */
export type TicketRef =
  | { ticketNumber: string }
  | { channelReferenceId: string }
  | { numberOrReference: string };

const maxTicketNumber = Number.MAX_SAFE_INTEGER;

function asNumber(value: string): number | undefined {
  if (!/^\d{1,16}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= maxTicketNumber ? n : undefined;
}

async function byNumber(db: Reader, tenantId: string, value: string, lock: boolean) {
  const number = asNumber(value);
  if (number === undefined) return undefined;
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.number, number)));
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

async function byReference(db: Reader, tenantId: string, reference: string, lock: boolean) {
  // A channel reference names one conversation; if a partner reused it, the newest ticket wins.
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.channelReferenceId, reference)))
    .orderBy(desc(tickets.createdAt))
    .limit(1);
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

/** The tenant's ticket the reference names; `lock` takes the row lock for an update in `db` (a transaction). */
export async function findTicket(
  db: Reader,
  tenantId: string,
  ref: TicketRef,
  lock = false,
): Promise<TicketRow | undefined> {
  if ("ticketNumber" in ref) return byNumber(db, tenantId, ref.ticketNumber, lock);
  if ("channelReferenceId" in ref) return byReference(db, tenantId, ref.channelReferenceId, lock);
  return (
    (await byNumber(db, tenantId, ref.numberOrReference, lock)) ??
    (await byReference(db, tenantId, ref.numberOrReference, lock))
  );
}

/**
 * A ticket's comments, oldest first. `audience` "public" leaves out agents' internal notes: that is
 * every view a partner or customer gets; "desk" includes them.
 */
export async function ticketComments(
  db: Reader,
  ticket: Pick<TicketRow, "id" | "tenantId">,
  audience: "public" | "desk",
  options: { newestOnly?: boolean } = {},
) {
  const query = db
    .select()
    .from(comments)
    .where(
      and(
        eq(comments.tenantId, ticket.tenantId),
        eq(comments.ticketId, ticket.id),
        audience === "public" ? eq(comments.isInternal, false) : undefined,
      ),
    );
  return options.newestOnly
    ? query.orderBy(desc(comments.createdAt), desc(comments.id)).limit(1)
    : query.orderBy(asc(comments.createdAt), asc(comments.id));
}

export async function ticketAttachments(db: Reader, ticket: Pick<TicketRow, "id" | "tenantId">) {
  return db
    .select()
    .from(attachments)
    .where(and(eq(attachments.tenantId, ticket.tenantId), eq(attachments.ticketId, ticket.id)))
    .orderBy(asc(attachments.uploadedAt), asc(attachments.id));
}

export async function findAttachment(db: Reader, tenantId: string, ticketId: string, attachmentId: string) {
  const [row] = await db
    .select()
    .from(attachments)
    .where(
      and(
        eq(attachments.tenantId, tenantId),
        eq(attachments.ticketId, ticketId),
        eq(attachments.id, attachmentId),
      ),
    );
  return row;
}

/** The structured KLAIM-OMNI fields of a ticket; undefined unless it was created as a claim. */
export async function findClaim(db: Reader, ticket: Pick<TicketRow, "id" | "tenantId">) {
  const [row] = await db
    .select()
    .from(claims)
    .where(and(eq(claims.tenantId, ticket.tenantId), eq(claims.ticketId, ticket.id)));
  return row;
}

export async function ticketCustomer(db: Reader, ticket: Pick<TicketRow, "customerId" | "tenantId">) {
  const [row] = await db
    .select()
    .from(customers)
    .where(and(eq(customers.tenantId, ticket.tenantId), eq(customers.id, ticket.customerId)));
  return row;
}

/**
 * The SQL twin of slaView's isBreached (src/tickets/views.ts): a breach was marked, or a deadline
 * passed while the ticket is open and its clock runs (the response deadline only until the first
 * support reply). Every term is NOT NULL, so NOT (this) selects exactly the tickets not breached.
 */
export function breachedCondition(now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  const passed = (due: Column) => sql`(${due} IS NOT NULL AND ${due} < ${at})`;
  return sql`(${tickets.responseBreachedAt} IS NOT NULL
    OR ${tickets.resolutionBreachedAt} IS NOT NULL
    OR (${notInArray(tickets.status, [...closedStatuses])}
      AND NOT ${tickets.slaPaused}
      AND ((${tickets.firstResponseAt} IS NULL AND ${passed(tickets.responseDueAt)}) OR ${passed(tickets.resolutionDueAt)})))`;
}

export type TicketFilter = {
  statuses?: readonly TicketStatus[] | undefined;
  priorities?: readonly Priority[] | undefined;
  serviceTypes?: readonly ServiceType[] | undefined;
  channels?: readonly TicketChannel[] | undefined;
  /** The agent or the team the ticket is assigned to: a user's or team's id, or a name. */
  assignee?: string | undefined;
  breached?: boolean | undefined;
  customerId?: string | undefined;
  /** Part of the title, any case. */
  titleContains?: string | undefined;
};

function filterConditions(tenantId: string, filter: TicketFilter, now: Date): SQL[] {
  const where: SQL[] = [eq(tickets.tenantId, tenantId)];
  if (filter.statuses?.length) where.push(inArray(tickets.status, [...filter.statuses]));
  if (filter.priorities?.length) where.push(inArray(tickets.priority, [...filter.priorities]));
  if (filter.serviceTypes?.length) where.push(inArray(tickets.serviceType, [...filter.serviceTypes]));
  if (filter.channels?.length) where.push(inArray(tickets.channel, [...filter.channels]));
  if (filter.assignee !== undefined) {
    const a = filter.assignee;
    where.push(
      sql`(${eq(tickets.assignedUserId, a)} OR ${eq(tickets.assignedTeamId, a)} OR ${eq(tickets.assignedTo, a)} OR ${eq(tickets.assignedTeam, a)})`,
    );
  }
  if (filter.breached !== undefined) {
    where.push(filter.breached ? breachedCondition(now) : sql`NOT ${breachedCondition(now)}`);
  }
  if (filter.customerId !== undefined) where.push(eq(tickets.customerId, filter.customerId));
  if (filter.titleContains) {
    where.push(ilike(tickets.title, `%${filter.titleContains.replace(/[\\%_]/g, "\\$&")}%`));
  }
  return where;
}

/** A page of the tenant's tickets that match the filter, newest first, and how many match in all. */
export async function listTickets(
  db: Reader,
  tenantId: string,
  filter: TicketFilter,
  page: { limit: number; offset: number },
  now: Date,
): Promise<{ items: TicketRow[]; total: number }> {
  const where = and(...filterConditions(tenantId, filter, now));
  const [items, totals] = await Promise.all([
    db
      .select()
      .from(tickets)
      .where(where)
      .orderBy(desc(tickets.createdAt), desc(tickets.id))
      .limit(page.limit)
      .offset(page.offset),
    db.select({ total: count() }).from(tickets).where(where),
  ]);
  return { items, total: totals[0]?.total ?? 0 };
}

/** The tenant's ticket with this id; `lock` takes the row lock for an update in `db` (a transaction). */
export async function findTicketById(
  db: Reader,
  tenantId: string,
  ticketId: string,
  lock = false,
): Promise<TicketRow | undefined> {
  const query = db
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, ticketId)));
  const [row] = lock ? await query.for("update") : await query;
  return row;
}

/** One comment of the tenant's ticket. */
export async function findComment(db: Reader, tenantId: string, commentId: string) {
  const [row] = await db
    .select()
    .from(comments)
    .where(and(eq(comments.tenantId, tenantId), eq(comments.id, commentId)));
  return row;
}
