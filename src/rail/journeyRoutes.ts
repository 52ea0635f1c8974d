import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { pageWindow, paginationOf } from "../http/pagination.js";
import {
  createJourneyBody,
  journeyDetailSchema,
  journeyIdParam,
  journeyList,
  journeyListQuery,
  journeySchema,
} from "./journeySchemas.js";
import { createJourney } from "./journeys/actions.js";
import { findJourney, type JourneyDeps, journeyHistory, listJourneys } from "./journeys/service.js";
import { journeyDetailView, journeyView } from "./journeyViews.js";
import { railReadScope, railTags, railWriteScope } from "./railParts.js";
import { journeyRefused } from "./refusals.js";

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/journeys",
  tags: railTags.journeys,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "List the tenant's journeys, newest first; perPage at most 100 (scope omni:read)",
  request: { query: journeyListQuery },
  responses: {
    200: { description: "A page of journeys", content: json(journeyList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createJourneyRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/journeys",
  tags: railTags.journeys,
  security: apiKeySecurity,
  middleware: [railWriteScope],
  summary: "Create a journey from an active template, at its first step (scope omni:write)",
  request: { body: { required: true, content: json(createJourneyBody) } },
  responses: {
    201: { description: "The journey", content: json(z.object({ data: journeySchema })) },
    ...errorResponses("v1", [400, 401, 403, 409, 429]),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/journeys/{id}",
  tags: railTags.journeys,
  security: apiKeySecurity,
  middleware: [railReadScope],
  summary: "A journey with each step's state and its step history (scope omni:read)",
  request: { params: journeyIdParam },
  responses: {
    200: { description: "The journey", content: json(z.object({ data: journeyDetailSchema })) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

export function registerJourneyRoutes(app: OpenAPIHono<HubEnv>, deps: JourneyDeps): void {
  const { db } = deps;

  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const { items, total } = await listJourneys(
      db,
      principalOf(c).tenantId,
      filter,
      pageWindow({ page, perPage }),
    );
    return c.json({ data: items.map(journeyView), pagination: paginationOf({ page, perPage }, total) }, 200);
  });

  app.openapi(createJourneyRoute, async (c) => {
    const { tenantId, keyId } = principalOf(c);
    const { dueAt, ...body } = c.req.valid("json");
    const result = await createJourney(
      deps,
      { tenantId, keyId },
      {
        ...body,
        dueAt: dueAt === undefined ? undefined : new Date(dueAt),
      },
    );
    if (!result.ok) journeyRefused(result, deps.approvals);
    return c.json({ data: journeyView(result.journey) }, 201);
  });

  app.openapi(getRoute, async (c) => {
    const journey = await findJourney(db, principalOf(c).tenantId, c.req.valid("param").id);
    if (!journey) journeyRefused({ ok: false, reason: "not_found" }, deps.approvals);
    return c.json({ data: journeyDetailView(journey, await journeyHistory(db, journey.row)) }, 200);
  });
}
