import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { attachmentDownload } from "../attachments/download.js";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { resolveBranchName, resolveService } from "../catalogue/service.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { pageWindow, paginationOf } from "../http/pagination.js";
import { replyDeliveries } from "../inbound/deliveries.js";
import {
  findAttachment,
  findClaim,
  findTicket,
  listTickets,
  ticketAttachments,
  ticketComments,
  ticketCustomer,
} from "../tickets/queries.js";
import { priorities, serviceTypes, ticketChannels, ticketStatuses } from "../tickets/vocabulary.js";
import { type DeskDeps, deskTags as tags, ticketNotFound } from "./deps.js";
import { deskTicketDetailSchema, deskTicketList } from "./responses.js";
import { listQuery, splitList, ticketNumberParam } from "./schemas.js";
import { deskTicketDetailView, deskTicketView } from "./views.js";

const readScope = requireScope("desk:read");

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/desk/tickets",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "List and filter the tenant's tickets, newest first (scope desk:read)",
  request: { query: listQuery },
  responses: {
    200: { description: "A page of tickets", content: json(deskTicketList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const detailRoute = createRoute({
  method: "get",
  path: "/api/v1/desk/tickets/{ticketNumber}",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary:
    "A ticket as agents see it: customer, claim, all comments including internal notes (scope desk:read)",
  request: { params: ticketNumberParam },
  responses: {
    200: { description: "The ticket", content: json(z.object({ data: deskTicketDetailSchema })) },
    ...errorResponses("v1", [401, 403, 404, 429]),
  },
});

const downloadRoute = createRoute({
  method: "get",
  path: "/api/v1/desk/tickets/{ticketNumber}/attachments/{attachmentId}",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "Download a ticket's attachment (scope desk:read)",
  request: {
    params: ticketNumberParam.extend({
      attachmentId: z
        .string()
        .max(100)
        .openapi({ param: { name: "attachmentId", in: "path" } }),
    }),
  },
  responses: {
    200: {
      description: "The file, with its stored MIME type",
      content: { "application/octet-stream": { schema: z.string().openapi({ format: "binary" }) } },
    },
    ...errorResponses("v1", [401, 403, 404, 429]),
  },
});

/** A comma list the schema already checked, as values of its vocabulary. */
function listOf<T extends string>(raw: string | undefined, values: readonly T[]): T[] | undefined {
  return raw === undefined
    ? undefined
    : splitList(raw).filter((v): v is T => (values as readonly string[]).includes(v));
}

export function registerDeskReadRoutes(app: OpenAPIHono<HubEnv>, deps: DeskDeps): void {
  const { db } = deps;

  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...q } = c.req.valid("query");
    const now = new Date();
    const filter = {
      statuses: listOf(q.status, ticketStatuses),
      priorities: listOf(q.priority, priorities),
      serviceTypes: listOf(q.serviceType, serviceTypes),
      channels: listOf(q.channel, ticketChannels),
      assignee: q.assignee || undefined,
      breached: q.breached === undefined ? undefined : q.breached === "true",
      customerId: q.customerId || undefined,
      titleContains: q.q || undefined,
    };
    const { items, total } = await listTickets(
      db,
      principalOf(c).tenantId,
      filter,
      pageWindow({ page, perPage }),
      now,
    );
    return c.json(
      { data: items.map((t) => deskTicketView(t, now)), pagination: paginationOf({ page, perPage }, total) },
      200,
    );
  });

  app.openapi(detailRoute, async (c) => {
    const { tenantId } = principalOf(c);
    const ticket = await findTicket(db, tenantId, c.req.valid("param"));
    if (!ticket) throw ticketNotFound();
    const [service, branchName, customer, claim, comments, attachments, deliveries] = await Promise.all([
      resolveService(db, tenantId, ticket.serviceType),
      ticket.branchCode ? resolveBranchName(db, tenantId, ticket.branchCode) : Promise.resolve(undefined),
      ticketCustomer(db, ticket),
      findClaim(db, ticket),
      ticketComments(db, ticket, "desk"),
      ticketAttachments(db, ticket),
      replyDeliveries(db, ticket),
    ]);
    const parts = { service, branchName, customer, claim, comments, attachments, deliveries };
    return c.json({ data: deskTicketDetailView(ticket, parts, new Date()) }, 200);
  });

  app.openapi(downloadRoute, async (c) => {
    const { tenantId } = principalOf(c);
    const { ticketNumber, attachmentId } = c.req.valid("param");
    const ticket = await findTicket(db, tenantId, { ticketNumber });
    if (!ticket) throw ticketNotFound();
    return attachmentDownload(c, deps.blobs, await findAttachment(db, tenantId, ticket.id, attachmentId));
  });
}
