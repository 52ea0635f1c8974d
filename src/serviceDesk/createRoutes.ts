import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { requireScope } from "../auth/middleware.js";
import { actorOf, type Principal, principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { setResponseHeader } from "../http/responseHeaders.js";
import type { Idempotency, Idempotent } from "../idempotency/service.js";
import { type CreatedTicket, createClaim, createTicket, type TicketContext } from "../tickets/create.js";
import { type DestinationPolicy, judgeDestination } from "../webhooks/destinationPolicy.js";
import { acceptAttachments } from "./attachmentInput.js";
import { permissionMessages, type ServiceDeskDeps, trackingUrl } from "./deps.js";
import { withoutCardNumber } from "./fields.js";
import { createdSchema, ticketCreatedSchema } from "./responses.js";
import { claimRequestSchema, ticketRequestSchema } from "./schemas.js";

const tags = ["Service desk"];
const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(200)
    // Stored as sent, like integration.requestId (see optionalIdentifier).
    .refine(...withoutCardNumber("Idempotency key"))
    .optional()
    .openapi({
      description:
        "Retries with the same key get the first response for 48 hours (integration.requestId works too)",
    }),
});
const created = (schema: typeof createdSchema | typeof ticketCreatedSchema) => ({
  description: "Created (or, for a retry with the same idempotency key, the first response again)",
  content: json(schema),
});

function context(principal: Principal): TicketContext {
  return { tenantId: principal.tenantId, actor: actorOf(principal), keyId: principal.keyId };
}

/**
 * Maps a replay or a reused key; a fresh or replayed result is the same answer either way, a
 * replay marked by its header.
 */
function settle(c: Context, outcome: Idempotent<CreatedTicket>): CreatedTicket {
  switch (outcome.outcome) {
    case "fresh":
      return outcome.result;
    case "replayed":
      setResponseHeader(c, "Idempotent-Replayed", "true");
      return outcome.result;
    case "key_reused":
      throw errors.conflict("Idempotency key already used with a different request", {
        idempotencyKey: `${outcome.key} was first used with another request body`,
      });
  }
}

/** A webhookUrl the hub would refuse to call is refused when it is stored, not discovered at delivery. */
function checkWebhookUrl(
  integration: { webhookUrl?: string | undefined } | undefined,
  policy: DestinationPolicy,
) {
  if (!integration?.webhookUrl) return;
  const verdict = judgeDestination(integration.webhookUrl, policy);
  if (!verdict.allowed) throw errors.validation({ "integration.webhookUrl": verdict.reason });
}

export function registerCreateRoutes(app: OpenAPIHono<HubEnv>, deps: ServiceDeskDeps): void {
  const claimRoute = createRoute({
    method: "post",
    path: "/api/omnichannel/claims",
    tags,
    security: apiKeySecurity,
    middleware: [requireScope("omnichannel:create", permissionMessages.create)],
    summary: "Create a simplified transaction claim (KLAIM-OMNI)",
    request: { headers: idempotencyHeader, body: { required: true, content: json(claimRequestSchema) } },
    responses: {
      201: created(createdSchema),
      ...errorResponses("serviceDesk", [400, 401, 403, 409, 413, 429]),
    },
  });

  const ticketRoute = createRoute({
    method: "post",
    path: "/api/omnichannel/tickets",
    tags,
    security: apiKeySecurity,
    middleware: [requireScope("omnichannel:create", permissionMessages.create)],
    summary: "Create a ticket",
    request: {
      headers: idempotencyHeader,
      body: { required: true, content: json(ticketRequestSchema(deps.attachments.maxCount)) },
    },
    responses: {
      201: created(ticketCreatedSchema),
      ...errorResponses("serviceDesk", [400, 401, 403, 409, 413, 429]),
    },
  });

  /** The part of the 201 body that claims and tickets share. */
  const createdBody = (result: CreatedTicket, message: string) => ({
    success: true as const,
    ticketNumber: result.ticketNumber,
    ticketId: result.ticketId,
    status: result.status,
    estimatedResolution: result.estimatedResolution,
    trackingUrl: trackingUrl(deps, result.ticketNumber),
    message,
  });

  const idempotencyOf = (
    headerKey: string | undefined,
    requestId: string | undefined,
    request: unknown,
  ): Idempotency => ({
    key: headerKey ?? requestId,
    request,
  });

  app.openapi(claimRoute, async (c) => {
    const body = c.req.valid("json");
    checkWebhookUrl(body.integration, deps.webhookDestinations);
    const outcome = await createClaim(
      deps,
      context(principalOf(c)),
      body,
      idempotencyOf(c.req.valid("header")["idempotency-key"], body.integration?.requestId, body),
    );
    const result = settle(c, outcome);
    return c.json(createdBody(result, "KLAIM-OMNI ticket created successfully"), 201);
  });

  app.openapi(ticketRoute, async (c) => {
    const body = c.req.valid("json");
    checkWebhookUrl(body.integration, deps.webhookDestinations);
    const files = acceptAttachments(body.attachments, deps.attachments);
    const outcome = await createTicket(
      deps,
      context(principalOf(c)),
      {
        channel: body.channel,
        channelReferenceId: body.channelReferenceId,
        serviceType: body.serviceType,
        customer: body.customer,
        ...body.ticket,
        attachments: files,
        integration: body.integration,
      },
      idempotencyOf(c.req.valid("header")["idempotency-key"], body.integration?.requestId, body),
    );
    const result = settle(c, outcome);
    return c.json(
      {
        ...createdBody(result, "Ticket created successfully"),
        metadata: {
          createdAt: result.createdAt,
          assignedTo: result.assignedTo,
          supportGroup: result.supportGroup,
          slaHours: result.slaHours,
        },
      },
      201,
    );
  });
}
