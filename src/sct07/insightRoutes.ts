import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { principalOf } from "../auth/principal.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { errorResponses, json, apiKeySecurity as security } from "../http/openapiParts.js";
import { channelActivity } from "./analytics/query.js";
import { customerNotFound, type Sct07Deps, tags } from "./deps.js";
import { unifiedProfile } from "./profile.js";
import {
  analyticsQuerySchema,
  channelAnalyticsSchema,
  customerParam,
  unifiedProfileSchema,
} from "./schemas.js";

const dayMs = 86_400_000;
/** The longest window the analytics answer: a year. */
const maxWindowMs = 366 * dayMs;

const routes = {
  profile: createRoute({
    method: "get",
    path: "/api/v1/customers/{customer_id}/profile/unified",
    tags: tags.insights,
    security,
    middleware: [requireScope("customers:read")],
    summary: "Get unified customer profile (scope customers:read)",
    description:
      "Per channel the last activity and the session count, derived from the customer's sessions and their events with a channel (tickets, messages), never from stored counters.",
    request: { params: customerParam },
    responses: {
      200: { description: "The unified profile", content: json(unifiedProfileSchema) },
      ...errorResponses("v1", [401, 403, 404]),
    },
  }),
  analytics: createRoute({
    method: "get",
    path: "/api/v1/analytics/channels",
    tags: tags.insights,
    security,
    middleware: [requireScope("analytics:read")],
    summary: "Get channel activity (scope analytics:read)",
    description:
      "Per channel in the window (`from`, `to`; default the last 30 days): distinct customers active, transactions started (tickets, claims, journeys, notifications), and completed handoffs as `cross_channel_journeys`.",
    request: { query: analyticsQuerySchema },
    responses: {
      200: { description: "Channel activity", content: json(channelAnalyticsSchema) },
      ...errorResponses("v1", [400, 401, 403]),
    },
  }),
};

/** GET /customers/{customer_id}/profile/unified: served with the customer routes (src/sct07/routes.ts). */
export function registerProfileRoute(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  const { db } = deps;
  app.openapi(routes.profile, async (c) => {
    const profile = await unifiedProfile(db, principalOf(c).tenantId, c.req.valid("param").customer_id);
    if (!profile) throw customerNotFound();
    const channels = Object.fromEntries(
      Object.entries(profile.channels).map(([k, v]) => [
        k,
        { last_active: v.lastActive, sessions: v.sessions },
      ]),
    );
    return c.json(
      {
        customer_id: profile.customerId,
        profile: profile.profile,
        channels,
        preferences: {
          notification_channel: profile.preferences.notificationChannel,
          preferred_language: profile.preferences.preferredLanguage,
        },
      },
      200,
    );
  });
}

export function registerAnalyticsRoute(app: OpenAPIHono<HubEnv>, deps: Sct07Deps): void {
  const { db } = deps;
  app.openapi(routes.analytics, async (c) => {
    const query = c.req.valid("query");
    const now = new Date();
    const to = query.to ? new Date(query.to) : undefined;
    const from = query.from ? new Date(query.from) : new Date((to ?? now).getTime() - 30 * dayMs);
    if (to && from.getTime() > to.getTime()) throw errors.validation({ from: "must not be after to" });
    if ((to ?? now).getTime() - from.getTime() > maxWindowMs)
      throw errors.validation({ from: "the window is at most a year" });
    const activity = await channelActivity(db, principalOf(c).tenantId, { from, to }, now);
    return c.json(
      {
        channels: activity.channels.map((ch) => ({
          channel: ch.channel,
          active_users: ch.activeUsers,
          transactions: ch.transactions,
        })),
        cross_channel_journeys: activity.crossChannelJourneys,
      },
      200,
    );
  });
}
