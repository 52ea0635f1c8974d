import { readFileSync } from "node:fs";
import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { v1ErrorSchema } from "../http/errorFormats.js";
import { errorResponses } from "../http/openapiParts.js";
import { findTenant } from "../tenants/service.js";
import { demoPage } from "./demoPage.js";
import { clientFrame, serverFrame } from "./frames.js";

const tags = ["Web chat"];
/** Plain JavaScript, served as written: no build step (scripts/build.mjs copies it beside the code). */
const widgetSource = readFileSync(new URL("./assets/widget.js", import.meta.url), "utf8");

const tenantRef = z
  .string({ error: "is required" })
  .min(1, "is required")
  .max(100, "must be at most 100 characters")
  .openapi({ description: "The tenant's id or slug", example: "ten_019a8f6e4b7c7d2e9f10a1b2c3d4e5f6" });

const routes = {
  widget: createRoute({
    method: "get",
    path: "/webchat/widget.js",
    tags,
    summary: "The embeddable web chat widget",
    description:
      'Embed it with one script tag: `<script src="https://HUB/webchat/widget.js" data-tenant="TENANT" defer></script>`. It opens the web chat socket of the hub it came from; the page\'s origin must be allowed (the tenant\'s webchatOrigins, or WEBCHAT_ALLOWED_ORIGINS).',
    responses: {
      200: { description: "Plain JavaScript", content: { "text/javascript": { schema: z.string() } } },
    },
  }),
  demo: createRoute({
    method: "get",
    path: "/webchat/demo",
    tags,
    summary: "A page that embeds the widget, to try the chat",
    request: { query: z.object({ tenant: tenantRef }) },
    responses: {
      200: { description: "An HTML page", content: { "text/html": { schema: z.string() } } },
      ...errorResponses("v1", [400, 404]),
    },
  }),
  socket: createRoute({
    method: "get",
    path: "/api/webchat/{tenantId}/socket",
    tags,
    summary: "The web chat WebSocket (upgrade)",
    description: [
      "A WebSocket (`GET` with `Upgrade: websocket`), opened by the widget. No API key: the customer says who they are. The upgrade is refused with 403 when the page's Origin is neither the hub's own, nor one of the tenant's webchatOrigins, nor in WEBCHAT_ALLOWED_ORIGINS (`*`: any), and with 404 for an unknown tenant.",
      "Frames are JSON text. The client sends `WebChatClientFrame`s: `start` (name, and an e-mail or a phone number: the customer is found or created through the customers module, and an SCT07 session opens on the CHAT channel), `resume` (the `sessionToken` kept from a `session` frame, after a reload; or an SCT07 `handoffToken` for CHAT from `POST /api/v1/sessions/handoff`, on another device), `message` (text, with a `clientMessageId` so a resend is not stored twice), `handoff` (a token to continue on another device), `end`.",
      "The hub sends the frames of the 101 response below: `ready` with the limits, `session`, `history` (the thread's messages, without internal notes), `message` (an agent's reply or the hub's acknowledgement, live, whichever API process the reply went through), `accepted`, `handoff`, `ended`, `error`.",
      "Limits per socket: frames of at most WEBCHAT_MAX_MESSAGE_BYTES, and WEBCHAT_RATE_MAX_MESSAGES per WEBCHAT_RATE_WINDOW_MS; a frame over one gets an `error` frame naming it in `limit` and the socket stays open; after WEBCHAT_MAX_VIOLATIONS such frames it closes with 1008. A frame over 64 KiB (or 4 times the limit) closes it with 1009.",
      "Chats started per client address and tenant: at most WEBCHAT_STARTS_PER_MINUTE a minute, across sockets and API processes; one more `start` gets an `error` frame with code `rate_limited` and `limit` WEBCHAT_STARTS_PER_MINUTE, and starts nothing (a `resume` is not a start).",
    ].join("\n\n"),
    request: {
      params: z.object({ tenantId: tenantRef.openapi({ param: { name: "tenantId", in: "path" } }) }),
    },
    responses: {
      101: {
        description: "Switching Protocols: the socket is open. Its frames from the hub:",
        content: { "application/json": { schema: serverFrame } },
      },
      ...errorResponses("v1", [403, 404]),
      426: {
        description: "Asked for without the WebSocket upgrade",
        content: { "application/json": { schema: v1ErrorSchema } },
      },
    },
  }),
};

/**
 * The web chat's HTTP side: the widget, the demo page, and the socket's route as documentation (the
 * upgrade itself is answered by src/webchat/sockets.ts before Hono sees it; a plain GET gets 426).
 */
export function registerWebChatRoutes(
  app: OpenAPIHono<HubEnv>,
  deps: { db: Database; publicBaseUrl: string },
) {
  app.openAPIRegistry.register("WebChatClientFrame", clientFrame);
  app.openapi(routes.widget, (c) =>
    c.body(widgetSource, 200, {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "public, max-age=300",
    }),
  );
  app.openapi(routes.demo, async (c) => {
    const tenant = await findTenant(deps.db, c.req.valid("query").tenant);
    if (tenant?.status !== "active") throw errors.notFound("Tenant not found");
    return c.body(demoPage(tenant, deps.publicBaseUrl), 200, { "content-type": "text/html; charset=utf-8" });
  });
  app.openapi(routes.socket, async (c) => {
    const tenant = await findTenant(deps.db, c.req.valid("param").tenantId);
    if (!tenant) throw errors.notFound("Tenant not found");
    throw errors.upgradeRequired("This is a WebSocket: open it with Upgrade: websocket");
  });
}
