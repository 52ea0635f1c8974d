import { sql } from "drizzle-orm";
import { type Database, type DatabaseHandle, rowsOf } from "../../src/db/client.js";
import { deskTicketPage } from "../../src/desk/listing.js";
import { listQuery } from "../../src/desk/schemas.js";
import { encodeCursor } from "../../src/http/pagination.js";
import { ticketCountsOf } from "../../src/tickets/counts.js";
import { findTicket, ticketComments } from "../../src/tickets/queries.js";
import { agentId, type DeskTenant } from "./deskScaleFill.js";

/** The tenant as the reads name it: what the fill recorded, and cursors into its list. */
export type ReadTenant = DeskTenant &
  Readonly<{
    /** The page after the 9,950th newest ticket: as deep as page 200 of 50. */
    deepCursor: string;
    /** The page after the middle of the tenant's tickets. */
    middleCursor: string;
  }>;

/** One read of issue 15's point 1 (or of its point 4), as agents and partners send it. */
export type DeskRead = Readonly<{
  name: string;
  /** The request path and query, for the tenant as the fill left it. */
  path(tenant: ReadTenant): string;
  /** Runs the hub's own functions for this read against `db`, so its statements can be explained. */
  explain(db: Database, tenant: ReadTenant): Promise<unknown>;
}>;

/** The cursor the list gives after the `depth`th newest ticket of the tenant. */
async function cursorAt(handle: DatabaseHandle, tenantId: string, depth: number): Promise<string> {
  const [row] = rowsOf<{ at: string; id: string }>(
    await handle.db.execute(sql`SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, id
      FROM tickets WHERE tenant_id = ${tenantId} ORDER BY created_at DESC, id DESC OFFSET ${depth - 1} LIMIT 1`),
  );
  if (!row) throw new Error(`the tenant has fewer than ${depth} tickets`);
  return encodeCursor(row);
}

export async function readTenant(handle: DatabaseHandle, tenant: DeskTenant): Promise<ReadTenant> {
  return {
    ...tenant,
    deepCursor: await cursorAt(handle, tenant.id, Math.min(9_950, tenant.tickets - 50)),
    middleCursor: await cursorAt(handle, tenant.id, Math.floor(tenant.tickets / 2)),
  };
}

const agent = agentId(7);

/** A desk list read: GET /api/v1/desk/tickets with this query, and the route's own listing for its plans. */
function listRead(name: string, query: (tenant: ReadTenant) => string): DeskRead {
  return {
    name,
    path: (tenant) => `/api/v1/desk/tickets${query(tenant) ? `?${query(tenant)}` : ""}`,
    explain: (db, tenant) => {
      const parsed = listQuery.parse(Object.fromEntries(new URLSearchParams(query(tenant))));
      return deskTicketPage(db, tenant.id, parsed, new Date());
    },
  };
}

function detailRead(name: string, key: "desk" | "partner", number: (tenant: ReadTenant) => string): DeskRead {
  return {
    name,
    path: (tenant) =>
      key === "desk"
        ? `/api/v1/desk/tickets/${number(tenant)}`
        : `/api/omnichannel/tickets/${number(tenant)}`,
    explain: async (db, tenant) => {
      const ticket = await findTicket(db, tenant.id, { ticketNumber: number(tenant) });
      if (!ticket) throw new Error(`${name}: ticket ${number(tenant)} not found`);
      return key === "desk"
        ? ticketComments(db, ticket, "desk", { limit: 50 })
        : ticketComments(db, ticket, "public", { limit: 500 });
    },
  };
}

/** Every read the benchmark knows, in the order it measures them. */
export const deskReads: readonly DeskRead[] = [
  listRead("list", () => ""),
  listRead("status", () => "status=OPEN"),
  listRead("priority", () => "priority=CRITICAL"),
  listRead("serviceType", () => "serviceType=ATM_ISSUE"),
  listRead("channel", () => "channel=TELEGRAM"),
  listRead("assignee", () => `assignee=${agent}`),
  listRead("team", () => "assignee=team_cards"),
  listRead("breached", () => "breached=true"),
  listRead("customer", (t) => `customerId=${t.customerId}`),
  listRead("titleCommon", () => "q=transfer"),
  listRead("titleRare", (t) => `q=${t.rareTitleTerm}`),
  // A city: in about 1.7 % of titles, between the common word and the one reference.
  listRead("titleCity", () => "q=Medan"),
  listRead("statusAssignee", () => `status=OPEN&assignee=${agent}`),
  listRead("statusPriority", () => "status=OPEN&priority=HIGH"),
  listRead("assigneePriority", () => `assignee=${agent}&priority=HIGH`),
  listRead("openQueue", () => "status=OPEN,IN_PROGRESS,PENDING,ON_HOLD"),
  listRead("deepPage", () => "page=200&perPage=50"),
  listRead("deepCursor", (t) => `perPage=50&cursor=${t.deepCursor}`),
  listRead("middleCursor", (t) => `perPage=50&cursor=${t.middleCursor}`),
  { name: "counts", path: () => "/api/v1/desk/ticket-counts", explain: (db, t) => ticketCountsOf(db, t.id) },
  detailRead("deskDetailBusy", "desk", (t) => t.busyTicketNumber),
  detailRead("partnerDetailBusy", "partner", (t) => t.busyTicketNumber),
  detailRead("partnerDetail", "partner", (t) => t.plainTicketNumber),
];

/**
 * Whether the counters the sidebar reads agree with a count of the tenant's tickets (after the
 * migration's backfill of a filled database, and the triggers since): the reason, or undefined.
 */
export async function countersDisagree(
  handle: DatabaseHandle,
  tenant: DeskTenant,
): Promise<string | undefined> {
  const counted = rowsOf<{ status: string; n: number }>(
    await handle.db.execute(
      sql`SELECT status, count(*)::int AS n FROM tickets WHERE tenant_id = ${tenant.id} GROUP BY status`,
    ),
  );
  const exact = Object.fromEntries(counted.map((r) => [r.status, r.n]));
  const { byStatus } = await ticketCountsOf(handle.db, tenant.id);
  const kept = Object.fromEntries(Object.entries(byStatus).filter(([, n]) => n !== 0));
  const differ = JSON.stringify(Object.entries(exact).sort()) !== JSON.stringify(Object.entries(kept).sort());
  return differ
    ? `${tenant.slug}: counters ${JSON.stringify(kept)}, tickets ${JSON.stringify(exact)}`
    : undefined;
}
