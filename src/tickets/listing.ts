import { and, type Column, desc, eq, getTableColumns, ilike, inArray, type SQL, sql } from "drizzle-orm";
import type { Database, Tx } from "../db/client.js";
import { beyond, exactAt, type KeysetPosition } from "../db/keyset.js";
import { type TicketRow, tickets } from "../db/schema/index.js";
import type { Priority, ServiceType, TicketChannel, TicketStatus } from "./vocabulary.js";

type Reader = Database | Tx;

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

/** Which tickets of the list: from a position on (keyset), or after skipping `offset` (page numbers). */
export type TicketWindow =
  | { limit: number; after?: KeysetPosition | undefined }
  | { limit: number; offset: number };

// The partial indexes' predicates, written as literals so the planner can match them (migration 0017).
const open = sql.raw(`"tickets"."status" NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED')`);
const marked = sql`(${tickets.responseBreachedAt} IS NOT NULL OR ${tickets.resolutionBreachedAt} IS NOT NULL)`;

/**
 * The SQL twin of slaView's isBreached (src/tickets/views.ts): a breach was marked, or a deadline
 * passed while the ticket is open and its clock runs (the response deadline only until the first
 * support reply). Every term is NOT NULL, so NOT (this) selects exactly the tickets not breached.
 */
function breachedCondition(now: Date): SQL {
  const at = sql`${now.toISOString()}::timestamptz`;
  const passed = (due: Column) => sql`(${due} IS NOT NULL AND ${due} < ${at})`;
  return sql`(${marked}
    OR (${open} AND NOT ${tickets.slaPaused}
      AND ((${tickets.firstResponseAt} IS NULL AND ${passed(tickets.responseDueAt)}) OR ${passed(tickets.resolutionDueAt)})))`;
}

/**
 * breachedCondition as alternatives that each one index serves: the tickets the scan marked
 * (tickets_breached_idx, in the list's order), and those whose deadline passed since its last tick
 * (the scan's own partial indexes: its backlog, a handful while the scan keeps up). The backlog is
 * read whole rather than in order: the planner, which cannot know that open tickets past their
 * deadline are nearly all marked already, would otherwise walk the tenant's tickets looking for it.
 * Together they select exactly what breachedCondition selects.
 */
function breachedBranches(now: Date): Branch[] {
  const at = sql`${now.toISOString()}::timestamptz`;
  return [
    { where: [marked], ordered: true },
    {
      where: [
        sql`(${open} AND NOT ${tickets.slaPaused} AND ${tickets.resolutionBreachedAt} IS NULL AND ${tickets.resolutionDueAt} < ${at})`,
      ],
      ordered: false,
    },
    {
      where: [
        sql`(${open} AND NOT ${tickets.slaPaused} AND ${tickets.responseBreachedAt} IS NULL AND ${tickets.firstResponseAt} IS NULL AND ${tickets.responseDueAt} < ${at})`,
      ],
      ordered: false,
    },
  ];
}

/** Conditions one index serves; `ordered` when it serves them in the list's order too. */
type Branch = { where: SQL[]; ordered: boolean };

function valuesIn<T extends string>(column: Column, values: readonly T[] | undefined): SQL | undefined {
  return values?.length ? inArray(column, [...values]) : undefined;
}

/**
 * The filter as alternatives (branches): each a list of conditions that one index range serves in
 * the list's order. A filter on one column is one branch; the assignee (four columns) and breached
 * (three sets) are several, whose pages are merged. Conditions every branch shares come first.
 */
function branchesOf(tenantId: string, filter: TicketFilter, now: Date): Branch[] {
  const shared = [
    eq(tickets.tenantId, tenantId),
    valuesIn(tickets.status, filter.statuses),
    valuesIn(tickets.priority, filter.priorities),
    valuesIn(tickets.serviceType, filter.serviceTypes),
    valuesIn(tickets.channel, filter.channels),
    filter.customerId === undefined ? undefined : eq(tickets.customerId, filter.customerId),
    filter.titleContains
      ? ilike(tickets.title, `%${filter.titleContains.replace(/[\\%_]/g, "\\$&")}%`)
      : undefined,
    filter.breached === false ? sql`NOT ${breachedCondition(now)}` : undefined,
  ].filter((c): c is SQL => c !== undefined);
  const a = filter.assignee;
  const assignee: Branch[] =
    a === undefined
      ? [{ where: [], ordered: true }]
      : [
          eq(tickets.assignedUserId, a),
          eq(tickets.assignedTeamId, a),
          eq(tickets.assignedTo, a),
          eq(tickets.assignedTeam, a),
        ].map((condition) => ({ where: [condition], ordered: true }));
  const breached: Branch[] =
    filter.breached === true ? breachedBranches(now) : [{ where: [], ordered: true }];
  return assignee.flatMap((byAssignee) =>
    breached.map((byBreach) => ({
      where: [...shared, ...byAssignee.where, ...byBreach.where],
      ordered: byAssignee.ordered && byBreach.ordered,
    })),
  );
}

const newestFirst = [desc(tickets.createdAt), desc(tickets.id)];
const after = (position: KeysetPosition) => beyond(tickets.createdAt, tickets.id, "<", position);

/** Where the list stands after a ticket: its created_at exact to the microsecond, and its id. */
const positionAt = exactAt(tickets.createdAt);

/**
 * A page of the tenant's tickets that match the filter, newest first (created_at, id), and the
 * position of its last ticket when more follow. Bound by the page, not by the table: each branch
 * of the filter reads the next entries of an index range in order, and several branches are merged
 * by id (a ticket that matches twice is listed once).
 */
export async function listTickets(
  db: Reader,
  tenantId: string,
  filter: TicketFilter,
  window: TicketWindow,
  now: Date,
): Promise<{ items: TicketRow[]; next: KeysetPosition | undefined }> {
  const offset = "offset" in window ? window.offset : 0;
  const position = "after" in window ? window.after : undefined;
  const take = window.limit + 1;
  const branches = branchesOf(tenantId, filter, now).map((branch) => ({
    ...branch,
    where: position ? [...branch.where, after(position)] : branch.where,
  }));
  const [only] = branches;
  // One branch: a plain ordered read of its index. Several: each branch's first offset + take
  // entries in order (or its whole, small set), merged by the outer order.
  const where =
    branches.length === 1 && only
      ? and(...only.where)
      : and(
          eq(tickets.tenantId, tenantId),
          inArray(
            tickets.id,
            sql`(${sql.join(
              branches.map((branch) =>
                branch.ordered
                  ? sql`(SELECT ${tickets.id} FROM ${tickets} WHERE ${and(...branch.where)} ORDER BY ${tickets.createdAt} DESC, ${tickets.id} DESC LIMIT ${offset + take})`
                  : sql`(SELECT ${tickets.id} FROM ${tickets} WHERE ${and(...branch.where)})`,
              ),
              sql` UNION ALL `,
            )})`,
          ),
        );
  const rows = await db
    .select({ ...getTableColumns(tickets), positionAt })
    .from(tickets)
    .where(where)
    .orderBy(...newestFirst)
    .limit(take)
    .offset(offset);
  const page = rows.slice(0, window.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ positionAt: _position, ...ticket }) => ticket),
    next: rows.length > window.limit && last ? { at: last.positionAt, id: last.id } : undefined,
  };
}

/**
 * How many of the tenant's tickets match the filter, counted up to `cap` (then `capped`: at least
 * that many). Reads at most `cap` + 1 entries of each branch's index range, however many match.
 */
export async function countTickets(
  db: Reader,
  tenantId: string,
  filter: TicketFilter,
  now: Date,
  cap: number,
): Promise<{ total: number; capped: boolean }> {
  const branches = branchesOf(tenantId, filter, now);
  const limited = (branch: Branch) =>
    sql`(SELECT ${tickets.id} FROM ${tickets} WHERE ${and(...branch.where)} LIMIT ${cap + 1})`;
  // UNION, not UNION ALL: a ticket that several branches match is counted once.
  const matches = sql.join(branches.map(limited), sql` UNION `);
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(sql`(SELECT * FROM (${matches}) AS matches LIMIT ${cap + 1}) AS capped`);
  const n = row?.n ?? 0;
  return { total: Math.min(n, cap), capped: n > cap };
}
