import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { actorOf, principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import {
  addAttachments,
  addComment,
  changeStatus,
  type UpdateContext,
  type UpdateFailure,
  type UpdateResult,
} from "../tickets/updates.js";
import { acceptAttachments } from "./attachmentInput.js";
import { permissionMessages, type ServiceDeskDeps } from "./deps.js";
import { updatedSchema } from "./responses.js";
import { patchRequestSchema, ticketNumberParam } from "./schemas.js";

type UpdateResultBody = z.infer<typeof updatedSchema>["result"];

/** What the bank's desk writes in front of every comment that arrives through this API. */
export const omnichannelCommentPrefix = "[Via Omnichannel] ";

function fail(failure: UpdateFailure): never {
  switch (failure.reason) {
    case "not_found":
      throw errors.notFound("Ticket not found");
    case "ticket_final":
      throw errors.badRequest("Cannot update closed or resolved tickets", {
        status: `Ticket is ${failure.status}`,
      });
    case "invalid_transition":
      throw errors.badRequest("Invalid status transition", {
        status: `Cannot change status from ${failure.from} to ${failure.to}`,
      });
  }
}

function settled<T>(result: UpdateResult<T>): { ticketNumber: string; value: T } {
  if (!result.ok) fail(result);
  return { ticketNumber: String(result.ticket.number), value: result.value };
}

export function registerUpdateRoute(app: OpenAPIHono<HubEnv>, deps: ServiceDeskDeps): void {
  const route = createRoute({
    method: "patch",
    path: "/api/omnichannel/tickets/{ticketNumber}",
    tags: ["Service desk"],
    security: apiKeySecurity,
    middleware: [requireScope("omnichannel:update", permissionMessages.update)],
    summary:
      "Add a comment or attachments, or change the status (partners may cancel, or resume a PENDING ticket)",
    request: {
      params: ticketNumberParam,
      body: { required: true, content: json(patchRequestSchema(deps.attachments.maxCount)) },
    },
    responses: {
      200: { description: "Updated", content: json(updatedSchema) },
      ...errorResponses("serviceDesk", [400, 401, 403, 404, 413, 429]),
    },
  });

  app.openapi(route, async (c) => {
    const principal = principalOf(c);
    const ctx: UpdateContext = { tenantId: principal.tenantId, actor: actorOf(principal), by: "partner" };
    const ref = { numberOrReference: c.req.valid("param").ticketNumber };
    const body = c.req.valid("json");
    const done = (ticketNumber: string, result: UpdateResultBody) =>
      c.json(
        {
          success: true as const,
          ticketNumber,
          action: body.action,
          result,
          message: "Ticket updated successfully" as const,
        },
        200,
      );

    switch (body.action) {
      case "ADD_COMMENT": {
        // Without an author, the comment speaks for the ticket's customer (addComment names them).
        const { ticketNumber, value } = settled(
          await addComment(deps, ctx, ref, {
            content: `${omnichannelCommentPrefix}${body.comment}`,
            authorName: body.author,
            authorType: "partner",
            isFromSupport: false,
          }),
        );
        return done(ticketNumber, {
          comment: { id: value.id, content: value.content, author: value.author, timestamp: value.timestamp },
        });
      }
      case "UPDATE_STATUS": {
        const { ticketNumber, value } = settled(await changeStatus(deps, ctx, ref, body.status));
        return done(ticketNumber, { status: value });
      }
      case "ADD_ATTACHMENT": {
        const files = acceptAttachments(body.attachments, deps.attachments);
        const { ticketNumber, value } = settled(await addAttachments(deps, ctx, ref, files));
        return done(ticketNumber, {
          attachments: value.map((a) => ({
            id: a.id,
            filename: a.filename,
            size: a.size,
            uploadedAt: a.uploadedAt,
          })),
        });
      }
    }
  });
}
