import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { ChannelAccountReader } from "../../connectors/contract.js";
import { type WebSessionStatusStore, webSessionStates } from "../../connectors/whatsapp/webSessionState.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";

export type WhatsAppSessionRouteDeps = {
  db: Database;
  accounts: ChannelAccountReader;
  statuses: WebSessionStatusStore;
};

const sessionSchema = z
  .object({
    state: z.enum(webSessionStates).openapi({
      description:
        "starting: the browser is opening WhatsApp Web; waiting_for_qr: scan `qr` with the bank's WhatsApp (Linked devices); ready: messages flow; disconnected: reconnecting with backoff, or no gateway holds the session",
    }),
    held: z.boolean().openapi({ description: "A gateway process holds the session now" }),
    qr: z.string().optional().openapi({
      description:
        "The login QR's text while waiting_for_qr (render it as a QR code); it changes every ~20 s",
    }),
    since: z.string().optional().openapi({ description: "When the session entered this state" }),
  })
  .openapi("WhatsAppWebSession", {
    example: { state: "waiting_for_qr", held: true, qr: "2@Zm9v...", since: "2025-01-01T08:00:00.000Z" },
  });

const route = createRoute({
  method: "get",
  path: "/api/admin/tenants/{tenantId}/channels/whatsapp/session",
  tags: ["Admin"],
  security: adminSecurity,
  summary: "The tenant's whatsapp-web.js session: its state, and the login QR while it waits for one",
  description:
    "The gateway role holds each whatsapp-web account's session (one process at a time, elected in Redis) and publishes its state here. Poll it while linking the bank's phone. 409 when the tenant's WhatsApp account is not a whatsapp-web one.",
  request: { params: tenantParam },
  responses: {
    200: { description: "The session", content: json(z.object({ data: sessionSchema })) },
    ...errorResponses("v1", [401, 404, 409]),
  },
});

/** What an operator needs to link a tenant's WhatsApp Web session: its state and the QR to scan. */
export function registerWhatsAppSessionRoute(app: OpenAPIHono<HubEnv>, deps: WhatsAppSessionRouteDeps): void {
  app.openapi(route, async (c) => {
    const tenant = await requireTenant(deps.db, c.req.valid("param").tenantId);
    const account = await deps.accounts.find(tenant.id, "whatsapp");
    if (account?.provider !== "web")
      throw errors.conflict("The tenant has no whatsapp-web account", { channel: "whatsapp" });
    const status = await deps.statuses.read(tenant.id);
    const data = status ? { held: true, ...status } : { held: false, state: "disconnected" as const };
    return c.json({ data }, 200);
  });
}
