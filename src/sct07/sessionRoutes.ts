import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { closeSession, createHandoff, getSession, openSession, resumeSession } from "../sessions/service.js";
import {
  callerContext,
  customerNotFound,
  levelRefused,
  resumeRefused,
  type Sct07Deps,
  tags,
} from "./deps.js";
import {
  handoffAnswerSchema,
  handoffSchema,
  openSessionSchema,
  resumeAnswerSchema,
  resumeSchema,
  sessionParam,
  sessionSchema,
  sessionView,
} from "./schemas.js";

const read = requireScope("sessions:read");
const write = requireScope("sessions:write");
const one = { content: json(sessionSchema) };
const sessionNotFound = () => errors.notFound("Session not found");

const routes = {
  open: createRoute({
    method: "post",
    path: "/api/v1/sessions",
    tags: tags.sessions,
    security,
    middleware: [write],
    summary: "Open a session for a customer on a channel and device (scope sessions:write)",
    description: "A channel outside the tenant's level is 403 naming `channel`.",
    request: { body: { required: true, content: json(openSessionSchema) } },
    responses: { 201: { description: "Opened", ...one }, ...errorResponses("v1", [400, 401, 403, 404]) },
  }),
  get: createRoute({
    method: "get",
    path: "/api/v1/sessions/{session_id}",
    tags: tags.sessions,
    security,
    middleware: [read],
    summary: "A session (scope sessions:read)",
    request: { params: sessionParam },
    responses: { 200: { description: "The session", ...one }, ...errorResponses("v1", [401, 403, 404]) },
  }),
  close: createRoute({
    method: "post",
    path: "/api/v1/sessions/{session_id}/close",
    tags: tags.sessions,
    security,
    middleware: [write],
    summary: "Close a session (scope sessions:write)",
    request: { params: sessionParam },
    responses: { 200: { description: "Closed", ...one }, ...errorResponses("v1", [401, 403, 404, 409]) },
  }),
  handoff: createRoute({
    method: "post",
    path: "/api/v1/sessions/handoff",
    tags: tags.sessions,
    security,
    middleware: [write],
    summary: "Create a cross-channel session: a handoff token for the target channel (scope sessions:write)",
    description:
      "The token is random, single-use, bound to the customer, the source session and the target channel, and expires after HANDOFF_TOKEN_TTL_MS (5 minutes by default); only its hash is stored. A basic tenant gets 403: its level does not include session handoff.",
    request: { body: { required: true, content: json(handoffSchema) } },
    responses: {
      201: { description: "Handoff created", content: json(handoffAnswerSchema) },
      ...errorResponses("v1", [400, 401, 403, 404, 409]),
    },
  }),
  resume: createRoute({
    method: "post",
    path: "/api/v1/sessions/resume",
    tags: tags.sessions,
    security,
    middleware: [write],
    summary: "Resume a session on the new channel with a handoff token (scope sessions:write)",
    description:
      "Unknown token 404, another tenant's 403, already used 409, expired 410, another channel than the token's 422; each changes nothing. Of concurrent resumes of one token exactly one succeeds.",
    request: { body: { required: true, content: json(resumeSchema) } },
    responses: {
      200: { description: "Resumed", content: json(resumeAnswerSchema) },
      ...errorResponses("v1", [400, 401, 403, 404, 409, 410, 422]),
    },
  }),
};

export function registerSessionRoutes(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  const { db } = deps;
  app.openapi(routes.open, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await openSession(db, ctx, {
      customerId: body.customer_id,
      channel: body.channel,
      deviceId: body.device_id,
      context: body.context,
    });
    if (!result.ok) {
      if (result.reason === "customer_not_found") throw customerNotFound();
      levelRefused(result, ctx.level, "channel");
    }
    return c.json(sessionView(result.session), 201);
  });
  app.openapi(routes.get, async (c) => {
    const session = await getSession(db, principalOf(c).tenantId, c.req.valid("param").session_id);
    if (!session) throw sessionNotFound();
    return c.json(sessionView(session), 200);
  });
  app.openapi(routes.close, async (c) => {
    const ctx = await callerContext(db, principalOf(c));
    const result = await closeSession(db, ctx, c.req.valid("param").session_id);
    if (!result.ok) {
      if (result.reason === "not_found") throw sessionNotFound();
      throw errors.conflict("The session is already closed", { session_id: "closed" });
    }
    return c.json(sessionView(result.session), 200);
  });
  app.openapi(routes.handoff, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await createHandoff(
      db,
      ctx,
      { sourceSessionId: body.source_session_id, targetChannel: body.target_channel, context: body.context },
      deps.handoffTokenTtlMs,
    );
    if (!result.ok) {
      switch (result.reason) {
        case "source_not_found":
          throw errors.notFound("Source session not found");
        case "source_closed":
          throw errors.conflict("The source session is closed", { source_session_id: "closed" });
        default:
          levelRefused(result, ctx.level, "target_channel");
      }
    }
    return c.json(
      {
        handoff_token: result.token,
        expires_at: result.expiresAt.toISOString(),
        target_channel: result.targetChannel,
        context_preserved: true,
      },
      201,
    );
  });
  app.openapi(routes.resume, async (c) => {
    const body = c.req.valid("json");
    const ctx = await callerContext(db, principalOf(c));
    const result = await resumeSession(db, ctx, {
      token: body.handoff_token,
      channel: body.channel,
      deviceId: body.device_id,
    });
    if (!result.ok) {
      if (result.reason === "level_handoff" || result.reason === "level_channel")
        levelRefused(result, ctx.level, "channel");
      resumeRefused(result.reason, result.expected);
    }
    return c.json(
      {
        session_id: result.session.id,
        customer_id: result.session.customerId,
        context: result.session.context,
        handoff_complete: true,
      },
      200,
    );
  });
}
