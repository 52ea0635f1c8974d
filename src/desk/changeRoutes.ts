import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import type { Principal } from "../auth/principal.js";
import { principalOf } from "../auth/principal.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { addComment, assignTicket, changeStatus, type UpdateResult } from "../tickets/updates.js";
import { agentContext, type DeskDeps, namedStaff, refused, deskTags as tags } from "./deps.js";
import { deskCommentSchema, deskTicketSchema } from "./responses.js";
import { assignBody, commentBody, statusBody, ticketNumberParam } from "./schemas.js";
import { deskTicketView } from "./views.js";

type CommentBody = z.infer<typeof commentBody>;

const writeScope = requireScope("desk:write");
const ticketResponse = {
  description: "The ticket after the change",
  content: json(z.object({ data: deskTicketSchema })),
};

function changeRoute<B extends z.ZodType>(path: string, summary: string, body: B) {
  return createRoute({
    method: "post",
    path: `/api/v1/desk/tickets/{ticketNumber}/${path}`,
    tags,
    security: apiKeySecurity,
    middleware: [writeScope],
    summary: `${summary} (scope desk:write)`,
    request: { params: ticketNumberParam, body: { required: true, content: json(body) } },
    responses: { 200: ticketResponse, ...errorResponses("v1", [400, 401, 403, 404, 409, 429]) },
  });
}

function commentRoute(path: string, summary: string) {
  return createRoute({
    method: "post",
    path: `/api/v1/desk/tickets/{ticketNumber}/${path}`,
    tags,
    security: apiKeySecurity,
    middleware: [writeScope],
    summary: `${summary} (scope desk:write)`,
    request: { params: ticketNumberParam, body: { required: true, content: json(commentBody) } },
    responses: {
      201: { description: "The comment", content: json(z.object({ data: deskCommentSchema })) },
      ...errorResponses("v1", [400, 401, 403, 404, 409, 429]),
    },
  });
}

const assignRoute = changeRoute("assign", "Assign the ticket to an agent and/or a team", assignBody);
const statusRoute = changeRoute("status", "Move the ticket along the status transition table", statusBody);
const replyRoute = commentRoute("replies", "Reply to the customer; the first reply meets the response SLA");
const noteRoute = commentRoute("notes", "Add an internal note, never shown to partners or customers");

/** The change as done (with the ticket after it), or the refusal as an error. */
function settled<T>(result: UpdateResult<T>): Extract<UpdateResult<T>, { ok: true }> {
  if (!result.ok) refused(result);
  return result;
}

/** The desk's answer to a change: the ticket as the change left it. */
const ticketAfter = (result: { ticket: Parameters<typeof deskTicketView>[0] }) => ({
  data: deskTicketView(result.ticket, new Date()),
});

export function registerDeskChangeRoutes(app: OpenAPIHono<HubEnv>, deps: DeskDeps): void {
  app.openapi(assignRoute, async (c) => {
    const principal = principalOf(c);
    const body = c.req.valid("json");
    const ref = c.req.valid("param");
    const staff = await namedStaff(deps.db, principal.tenantId, ref, {
      assignedUserId: { kind: "user", id: body.assignedUserId },
      assignedTeamId: { kind: "team", id: body.assignedTeamId },
    });
    const done = settled(
      await assignTicket(deps, agentContext(principal), ref, {
        user: staff.assignedUserId,
        team: staff.assignedTeamId,
      }),
    );
    return c.json(ticketAfter(done), 200);
  });

  app.openapi(statusRoute, async (c) => {
    const done = settled(
      await changeStatus(
        deps,
        agentContext(principalOf(c)),
        c.req.valid("param"),
        c.req.valid("json").status,
      ),
    );
    return c.json(ticketAfter(done), 200);
  });

  const comment = async (
    principal: Principal,
    ref: { ticketNumber: string },
    body: CommentBody,
    isInternal: boolean,
  ) => {
    const { authorId: author } = await namedStaff(deps.db, principal.tenantId, ref, {
      authorId: { kind: "user", id: body.authorId },
    });
    // The agent who writes is the event's actor: the customer's timeline shows their name.
    const { value } = settled(
      await addComment(deps, agentContext(principal, author), ref, {
        content: body.content,
        author,
        authorType: "agent",
        isFromSupport: true,
        isInternal,
      }),
    );
    const data = {
      id: value.id,
      content: value.content,
      author: value.author,
      authorId: value.authorUserId,
      authorType: "agent" as const,
      isFromSupport: true,
      isInternal: value.isInternal,
      createdAt: value.timestamp,
      // Sending on the customer's channel starts once the comment is committed (its event).
      delivery: null,
    };
    return { data };
  };

  app.openapi(replyRoute, async (c) =>
    c.json(await comment(principalOf(c), c.req.valid("param"), c.req.valid("json"), false), 201),
  );
  app.openapi(noteRoute, async (c) =>
    c.json(await comment(principalOf(c), c.req.valid("param"), c.req.valid("json"), true), 201),
  );
}
