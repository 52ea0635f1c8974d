import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import {
  advanceBody,
  assignBody,
  cancelBody,
  completeBody,
  journeyIdParam,
  journeySchema,
} from "./journeySchemas.js";
import { advanceJourney, assignJourney, cancelJourney, completeJourney } from "./journeys/actions.js";
import type { JourneyDeps, JourneyResult } from "./journeys/service.js";
import { journeyView } from "./journeyViews.js";
import { railTags, railWriteScope } from "./railParts.js";
import { journeyRefused } from "./refusals.js";

function actionRoute<B extends z.ZodType>(action: string, summary: string, body: B) {
  return createRoute({
    method: "post",
    path: `/api/v1/omni/journeys/{id}/${action}`,
    tags: railTags.journeys,
    security: apiKeySecurity,
    middleware: [railWriteScope],
    summary: `${summary} (scope omni:write)`,
    request: { params: journeyIdParam, body: { required: true, content: json(body) } },
    responses: {
      200: { description: "The journey after the action", content: json(z.object({ data: journeySchema })) },
      ...errorResponses("v1", [400, 401, 403, 404, 409, 429]),
    },
  });
}

const advanceRoute = actionRoute(
  "advance",
  "Record the current step's outcome; passed or skipped moves to the next step, failed stays. From created or assigned the journey becomes in_progress",
  advanceBody,
);
const assignRoute = actionRoute(
  "assign",
  "Assign an in-progress journey, or reassign an assigned one",
  assignBody,
);
const completeRoute = actionRoute(
  "complete",
  "Complete an in-progress journey whose required steps are all done",
  completeBody,
);
const cancelRoute = actionRoute("cancel", "Cancel a created, in-progress or assigned journey", cancelBody);

export function registerJourneyActionRoutes(app: OpenAPIHono<HubEnv>, deps: JourneyDeps): void {
  const answer = (result: JourneyResult) => {
    if (!result.ok) journeyRefused(result, deps.approvals);
    return { data: journeyView(result.journey) };
  };
  const context = (c: Parameters<typeof principalOf>[0]) => {
    const { tenantId, keyId } = principalOf(c);
    return { tenantId, keyId };
  };

  app.openapi(advanceRoute, async (c) =>
    c.json(answer(await advanceJourney(deps, context(c), c.req.valid("param").id, c.req.valid("json"))), 200),
  );
  app.openapi(assignRoute, async (c) =>
    c.json(answer(await assignJourney(deps, context(c), c.req.valid("param").id, c.req.valid("json"))), 200),
  );
  app.openapi(completeRoute, async (c) =>
    c.json(
      answer(await completeJourney(deps, context(c), c.req.valid("param").id, c.req.valid("json"))),
      200,
    ),
  );
  app.openapi(cancelRoute, async (c) =>
    c.json(answer(await cancelJourney(deps, context(c), c.req.valid("param").id, c.req.valid("json"))), 200),
  );
}
