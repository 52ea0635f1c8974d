import { sql } from "drizzle-orm";
import { type Database, rowsOf, type Tx } from "../db/client.js";
import { type TicketCountDimension, ticketCounts, users } from "../db/schema/index.js";
import { type TicketStatus, ticketStatuses } from "./vocabulary.js";

export type StatusCounts = Record<TicketStatus, number>;
export type TicketCounts = {
  total: number;
  byStatus: StatusCounts;
  /** By assigned user: their id (null: no user) and name. */
  byUser: Array<{ userId: string | null; name: string | null; total: number; byStatus: StatusCounts }>;
  /** By team name (null: no team). */
  byTeam: Array<{ team: string | null; total: number; byStatus: StatusCounts }>;
};

const noneByStatus = (): StatusCounts =>
  Object.fromEntries(ticketStatuses.map((s) => [s, 0])) as StatusCounts;

type Group = { total: number; byStatus: StatusCounts; name: string | null };

/**
 * The tenant's tickets counted per status, by assigned user and by team, from the counters the
 * tickets' own statements keep (ticket_counts): a read of a few hundred rows, whatever the number
 * of tickets.
 */
export async function ticketCountsOf(db: Database | Tx, tenantId: string): Promise<TicketCounts> {
  const rows = rowsOf<{
    dimension: TicketCountDimension;
    value: string;
    status: TicketStatus;
    n: number;
    name: string | null;
  }>(
    await db.execute(sql`SELECT c.dimension, c.value, c.status, sum(c.count)::int AS n, min(${users.name}) AS name
      FROM ${ticketCounts} c
      LEFT JOIN ${users} ON c.dimension = 'user' AND ${users.tenantId} = c.tenant_id AND ${users.id} = c.value
      WHERE c.tenant_id = ${tenantId}
      GROUP BY c.dimension, c.value, c.status
      HAVING sum(c.count) <> 0`),
  );
  const groups = { user: new Map<string, Group>(), team: new Map<string, Group>() };
  const byStatus = noneByStatus();
  for (const row of rows) {
    const group = groups[row.dimension].get(row.value) ?? {
      total: 0,
      byStatus: noneByStatus(),
      name: row.name,
    };
    group.total += row.n;
    group.byStatus[row.status] += row.n;
    groups[row.dimension].set(row.value, group);
    // Every ticket counts once under "user" (its user or none): that dimension alone sums the tenant's.
    if (row.dimension === "user") byStatus[row.status] += row.n;
  }
  const sorted = (map: Map<string, Group>) =>
    [...map.entries()].sort(([a, x], [b, y]) => y.total - x.total || (a < b ? -1 : 1));
  return {
    total: Object.values(byStatus).reduce((sum, n) => sum + n, 0),
    byStatus,
    byUser: sorted(groups.user).map(([value, g]) => ({
      userId: value || null,
      name: value ? g.name : null,
      total: g.total,
      byStatus: g.byStatus,
    })),
    byTeam: sorted(groups.team).map(([value, g]) => ({
      team: value || null,
      total: g.total,
      byStatus: g.byStatus,
    })),
  };
}
