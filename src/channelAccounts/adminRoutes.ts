import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { AppError, errors } from "../errors.js";
import type { Actor } from "../events/catalog.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, adminSecurity as security } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import {
  channelAccountSchema,
  channelAccountView,
  channelParam,
  putChannelAccountSchema,
} from "./schemas.js";
import {
  type ChannelAccountDeps,
  deleteChannelAccount,
  listChannelAccounts,
  saveChannelAccount,
} from "./service.js";

const tags = ["Admin"];
const adminActor: Actor = { type: "admin" };
const base = "/api/admin/tenants/{tenantId}/channels";
const one = { content: json(z.object({ data: channelAccountSchema })) };

const routes = {
  list: createRoute({
    method: "get",
    path: base,
    tags,
    security,
    summary: "A tenant's channel accounts, secrets redacted, with the webhook URLs to give each provider",
    request: { params: tenantParam },
    responses: {
      200: { description: "The accounts", content: json(z.object({ data: z.array(channelAccountSchema) })) },
      ...errorResponses("v1", [401, 404]),
    },
  }),
  put: createRoute({
    method: "put",
    path: `${base}/{channel}`,
    tags,
    security,
    summary: "Create or replace a tenant's account for a channel; the provider checks it first",
    description:
      "Settings are validated per provider (400 naming the field) and checked where the provider offers a cheap check: SMTP login, Twilio account fetch, Telegram getMe, the Graph API phone number, the VAPID key pair. Secrets are stored encrypted (CHANNEL_SECRET_KEYS) and never returned; one left out keeps its stored value. 503 when no encryption key is configured.",
    request: { params: channelParam, body: { required: true, content: json(putChannelAccountSchema) } },
    responses: {
      200: { description: "Replaced", ...one },
      201: { description: "Created", ...one },
      ...errorResponses("v1", [400, 401, 404, 503]),
    },
  }),
  delete: createRoute({
    method: "delete",
    path: `${base}/{channel}`,
    tags,
    security,
    summary: "Delete a tenant's account for a channel (its notifications on that channel then fail)",
    request: { params: channelParam },
    responses: { 204: { description: "Deleted" }, ...errorResponses("v1", [401, 404]) },
  }),
};

export type ChannelAccountRouteDeps = ChannelAccountDeps & { db: Database; publicBaseUrl: string };

/** The operator's view of each tenant's channel providers. Mounted behind adminAuth. */
export function registerChannelAccountRoutes(app: OpenAPIHono<HubEnv>, deps: ChannelAccountRouteDeps): void {
  const { db, publicBaseUrl } = deps;

  app.openapi(routes.list, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    const rows = await listChannelAccounts(db, tenant.id);
    return c.json({ data: rows.map((row) => channelAccountView(row, publicBaseUrl)) }, 200);
  });

  app.openapi(routes.put, async (c) => {
    const { tenantId, channel } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const body = c.req.valid("json");
    const result = await saveChannelAccount(
      db,
      deps,
      {
        tenantId: tenant.id,
        channel,
        provider: body.provider,
        enabled: body.enabled,
        settings: body.settings,
      },
      adminActor,
    );
    if (!result.ok) {
      if (result.reason === "no_secret_keys")
        throw new AppError(
          "SERVICE_UNAVAILABLE",
          "Channel credentials cannot be stored: CHANNEL_SECRET_KEYS is not configured",
        );
      throw errors.validation(result.fields);
    }
    return c.json({ data: channelAccountView(result.account, publicBaseUrl) }, result.created ? 201 : 200);
  });

  app.openapi(routes.delete, async (c) => {
    const { tenantId, channel } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    if (!(await deleteChannelAccount(db, tenant.id, channel, adminActor)))
      throw errors.notFound(`The tenant has no ${channel} account`);
    return c.body(null, 204);
  });
}
