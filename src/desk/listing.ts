import type { z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { decodeCursor, encodeCursor, pageWindow } from "../http/pagination.js";
import { countTickets, listTickets, type TicketFilter } from "../tickets/listing.js";
import { priorities, serviceTypes, ticketChannels, ticketStatuses } from "../tickets/vocabulary.js";
import { type deskTicketList, deskTotalCap } from "./responses.js";
import { type listQuery, splitList } from "./schemas.js";
import { deskTicketView } from "./views.js";

export type DeskListQuery = z.infer<typeof listQuery>;

/** A comma list the schema already checked, as values of its vocabulary. */
function listOf<T extends string>(raw: string | undefined, values: readonly T[]): T[] | undefined {
  return raw === undefined
    ? undefined
    : splitList(raw).filter((v): v is T => (values as readonly string[]).includes(v));
}

function filterOf(q: DeskListQuery): TicketFilter {
  return {
    statuses: listOf(q.status, ticketStatuses),
    priorities: listOf(q.priority, priorities),
    serviceTypes: listOf(q.serviceType, serviceTypes),
    channels: listOf(q.channel, ticketChannels),
    assignee: q.assignee || undefined,
    breached: q.breached === undefined ? undefined : q.breached === "true",
    customerId: q.customerId || undefined,
    titleContains: q.q || undefined,
  };
}

/**
 * The desk's list of tickets for a validated query: the route's answer, and what the desk-scale
 * benchmark runs to show each read's plans. A page read by cursor has no total: totals are the
 * sidebar's (GET /api/v1/desk/ticket-counts); a page read by number counts up to deskTotalCap.
 */
export async function deskTicketPage(
  db: Database,
  tenantId: string,
  query: DeskListQuery,
  now: Date,
): Promise<z.infer<typeof deskTicketList>> {
  const { page, perPage, cursor } = query;
  const filter = filterOf(query);
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  const window = after ? { limit: perPage, after } : pageWindow({ page, perPage });
  const [list, count] = await Promise.all([
    listTickets(db, tenantId, filter, window, now),
    after ? undefined : countTickets(db, tenantId, filter, now, deskTotalCap),
  ]);
  return {
    data: list.items.map((t) => deskTicketView(t, now)),
    nextCursor: list.next ? encodeCursor(list.next) : null,
    ...(count ? { pagination: { page, perPage, total: count.total, totalIsCapped: count.capped } } : {}),
  };
}
