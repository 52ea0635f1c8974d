import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { attachmentDownload } from "../attachments/download.js";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { resolveBranchName, resolveService } from "../catalogue/service.js";
import type { TicketRow } from "../db/schema/index.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { commentPageQuery, decodeCursor, encodeCursor } from "../http/pagination.js";
import {
  findAttachment,
  findTicket,
  type TicketRef,
  ticketAttachments,
  ticketComments,
} from "../tickets/queries.js";
import { currentAssignee, iso, slaView } from "../tickets/views.js";
import { permissionMessages, type ServiceDeskDeps } from "./deps.js";
import { ticketDetailSchema, ticketStatusSchema } from "./responses.js";
import { ticketNumberParam } from "./schemas.js";

const tags = ["Service desk"];
// As many as any ticket a partner reads has in practice, so the document's answer is unchanged; a
// ticket with thousands is still one bounded read.
const partnerCommentPage = commentPageQuery({ limit: 500, maxLimit: 500 });
const readScope = requireScope("omnichannel:read", permissionMessages.read);

const statusRoute = createRoute({
  method: "get",
  path: "/api/omnichannel/tickets",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "Ticket status by ticket number or channel reference ID",
  request: {
    query: z.object({
      ticketNumber: z.string().max(200).optional().openapi({ example: "12346" }),
      channelReferenceId: z.string().max(200).optional().openapi({ example: "wa_msg_123456" }),
    }),
  },
  responses: {
    200: { description: "The ticket's status", content: json(ticketStatusSchema) },
    ...errorResponses("serviceDesk", [400, 401, 403, 404, 429]),
  },
});

const detailRoute = createRoute({
  method: "get",
  path: "/api/omnichannel/tickets/{ticketNumber}",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "Ticket detail with comments, attachments, SLA and metadata",
  description:
    "Comments: the newest 500 (`commentsLimit`, at most 500), oldest first, as the document shows them; a ticket with more also answers `commentsNextCursor`, which `commentsCursor` takes to read the ones before (both extensions of the document).",
  request: { params: ticketNumberParam, query: partnerCommentPage },
  responses: {
    200: { description: "The ticket", content: json(ticketDetailSchema) },
    ...errorResponses("serviceDesk", [400, 401, 403, 404, 429]),
  },
});

const downloadRoute = createRoute({
  method: "get",
  path: "/api/omnichannel/tickets/{ticketNumber}/attachments/{attachmentId}",
  tags,
  security: apiKeySecurity,
  middleware: [readScope],
  summary: "Download an attachment (extension of the document)",
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
    ...errorResponses("serviceDesk", [401, 403, 404, 429]),
  },
});

const ticketNotFound = () => errors.notFound("Ticket not found");

function statusFields(ticket: TicketRow) {
  return {
    ticketNumber: String(ticket.number),
    status: ticket.status,
    priority: ticket.priority,
    createdAt: ticket.createdAt.toISOString(),
    updatedAt: ticket.updatedAt.toISOString(),
    resolvedAt: iso(ticket.resolvedAt),
    closedAt: iso(ticket.closedAt),
    currentAssignee: currentAssignee(ticket),
  };
}

export function registerReadRoutes(app: OpenAPIHono<HubEnv>, deps: ServiceDeskDeps): void {
  const { db } = deps;
  const tenantOf = (c: Parameters<typeof principalOf>[0]) => principalOf(c).tenantId;

  app.openapi(statusRoute, async (c) => {
    const { ticketNumber, channelReferenceId } = c.req.valid("query");
    const ref: TicketRef | undefined = ticketNumber
      ? { ticketNumber }
      : channelReferenceId
        ? { channelReferenceId }
        : undefined;
    if (!ref) {
      throw errors.validation(
        { ticketNumber: "ticketNumber or channelReferenceId is required" },
        "Either ticketNumber or channelReferenceId is required",
      );
    }
    const ticket = await findTicket(db, tenantOf(c), ref);
    if (!ticket) throw ticketNotFound();
    const {
      comments: [last],
    } = await ticketComments(db, ticket, "public", { limit: 1 });
    const now = new Date();
    return c.json(
      {
        ...statusFields(ticket),
        lastComment: last
          ? { content: last.content, author: last.authorName, timestamp: last.createdAt.toISOString() }
          : null,
        sla: slaView(ticket, now),
      },
      200,
    );
  });

  app.openapi(detailRoute, async (c) => {
    const tenantId = tenantOf(c);
    const { ticketNumber } = c.req.valid("param");
    const { commentsCursor, commentsLimit } = c.req.valid("query");
    const ticket = await findTicket(db, tenantId, { numberOrReference: ticketNumber });
    if (!ticket) throw ticketNotFound();
    const before = commentsCursor === undefined ? undefined : decodeCursor(commentsCursor);
    const [service, branchName, page, files] = await Promise.all([
      resolveService(db, tenantId, ticket.serviceType),
      ticket.branchCode ? resolveBranchName(db, tenantId, ticket.branchCode) : Promise.resolve(undefined),
      ticketComments(db, ticket, "public", { limit: commentsLimit, before }),
      ticketAttachments(db, ticket),
    ]);
    const number = String(ticket.number);
    const now = new Date();
    return c.json(
      {
        ...statusFields(ticket),
        service: { name: service.name, supportGroup: service.supportGroup },
        branch: ticket.branchCode ? { name: branchName ?? null, code: ticket.branchCode } : null,
        comments: page.comments.map((m) => ({
          content: m.content,
          author: m.authorName,
          timestamp: m.createdAt.toISOString(),
          isFromSupport: m.isFromSupport,
        })),
        // Only for a ticket with more comments than the page: every other answer stays the document's.
        ...(page.next ? { commentsNextCursor: encodeCursor(page.next) } : {}),
        attachments: files.map((f) => ({
          id: f.id,
          filename: f.filename,
          size: f.size,
          mimeType: f.mimeType,
          uploadedAt: f.uploadedAt.toISOString(),
          downloadUrl: `/api/omnichannel/tickets/${number}/attachments/${f.id}`,
        })),
        sla: slaView(ticket, now),
        metadata: ticket.metadata,
      },
      200,
    );
  });

  app.openapi(downloadRoute, async (c) => {
    const tenantId = tenantOf(c);
    const { ticketNumber, attachmentId } = c.req.valid("param");
    const ticket = await findTicket(db, tenantId, { numberOrReference: ticketNumber });
    if (!ticket) throw ticketNotFound();
    return attachmentDownload(c, deps.blobs, await findAttachment(db, tenantId, ticket.id, attachmentId));
  });
}
