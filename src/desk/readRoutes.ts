import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { attachmentDownload } from "../attachments/download.js";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { resolveBranchName, resolveService } from "../catalogue/service.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { commentPageQuery, decodeCursor, encodeCursor } from "../http/pagination.js";
import { replyDeliveries } from "../inbound/deliveries.js";
import {
  findAttachment,
  findClaim,
  findTicket,
  ticketAttachments,
  ticketComments,
  ticketCustomer,
} from "../tickets/queries.js";
import { type DeskDeps, deskTags as tags, ticketNotFound } from "./deps.js";
import { deskTicketPage } from "./listing.js";
import { deskTicketDetailSchema, deskTicketList } from "./responses.js";
import { listQuery, ticketNumberParam } from "./schemas.js";
import { deskTicketDetailView } from "./views.js";

const readScope = requireScope("desk:read");
const deskCommentPage = commentPageQuery({ limit: 50, maxLimit: 200 });

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/desk/tickets",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "List and filter the tenant's tickets, newest first (scope desk:read)",
  description:
    "Newest first (created, then id). Page on with `cursor` (each page's `nextCursor`): every page costs what the first does, and tickets created meanwhile never shift, repeat or hide the rest. `page`/`perPage` still work up to the 10,000th ticket; a page read by number carries `pagination` with a total counted up to 1,000 (`totalIsCapped` says when more match). Exact counts per status and assignee: GET /api/v1/desk/ticket-counts.",
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
    "A ticket as agents see it: customer, claim, its comments including internal notes, newest 50 by default (scope desk:read)",
  description:
    "Comments come a page at a time: the newest `commentsLimit` (default 50, at most 200), oldest first; `commentsNextCursor` asks for the ones before them.",
  request: { params: ticketNumberParam, query: deskCommentPage },
  responses: {
    200: { description: "The ticket", content: json(z.object({ data: deskTicketDetailSchema })) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
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

export function registerDeskReadRoutes(app: OpenAPIHono<HubEnv>, deps: DeskDeps): void {
  const { db } = deps;

  app.openapi(listRoute, async (c) =>
    c.json(await deskTicketPage(db, principalOf(c).tenantId, c.req.valid("query"), new Date()), 200),
  );

  app.openapi(detailRoute, async (c) => {
    const { tenantId } = principalOf(c);
    const { commentsCursor, commentsLimit } = c.req.valid("query");
    const ticket = await findTicket(db, tenantId, c.req.valid("param"));
    if (!ticket) throw ticketNotFound();
    const before = commentsCursor === undefined ? undefined : decodeCursor(commentsCursor);
    const [service, branchName, customer, claim, page, attachments] = await Promise.all([
      resolveService(db, tenantId, ticket.serviceType),
      ticket.branchCode ? resolveBranchName(db, tenantId, ticket.branchCode) : Promise.resolve(undefined),
      ticketCustomer(db, ticket),
      findClaim(db, ticket),
      ticketComments(db, ticket, "desk", { limit: commentsLimit, before }),
      ticketAttachments(db, ticket),
    ]);
    const deliveries = await replyDeliveries(
      db,
      ticket,
      page.comments.map((comment) => comment.id),
    );
    const parts = {
      service,
      branchName,
      customer,
      claim,
      comments: page.comments,
      commentsNextCursor: page.next ? encodeCursor(page.next) : null,
      attachments,
      deliveries,
    };
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
