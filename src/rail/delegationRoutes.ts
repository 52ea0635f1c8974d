import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf } from "../http/pagination.js";
import {
  createDelegationBody,
  delegationEnvelope,
  delegationList,
  delegationView,
  listDelegationsQuery,
  revokeDelegationBody,
} from "./delegationSchemas.js";
import { findDelegation, grantDelegation, listDelegations, revokeDelegation } from "./delegations/service.js";
import { railIdParam, railReadScope, railTags, railWriteScope } from "./railParts.js";

const tags = railTags.delegations;
const security = apiKeySecurity;
const idParam = railIdParam("del_01890a5d-ac96-774b-bcce-b302099a8057");
const notFound = () => errors.notFound("Delegation not found");

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/delegations",
  tags,
  security,
  middleware: [railReadScope],
  summary: "Lists all active and historical authority delegations, newest first (scope omni:read)",
  request: { query: listDelegationsQuery },
  responses: {
    200: { description: "A page of delegations", content: json(delegationList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createDelegationRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/delegations",
  tags,
  security,
  middleware: [railWriteScope],
  summary: "Grants a delegation of authority from one user to another (scope omni:write)",
  description:
    "delegatorId and delegateeId are two different active users of the tenant; validFrom is before validTo. The status is computed at every read: scheduled before validFrom, active, expired from validTo, revoked once revoked. Emits omni.delegation.granted.",
  request: { body: { required: true, content: json(createDelegationBody) } },
  responses: {
    201: { description: "The delegation", content: json(delegationEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/delegations/{id}",
  tags,
  security,
  middleware: [railReadScope],
  summary: "One delegation (scope omni:read)",
  request: { params: idParam },
  responses: {
    200: { description: "The delegation", content: json(delegationEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

const revokeRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/delegations/{id}/revoke",
  tags,
  security,
  middleware: [railWriteScope],
  summary: "Revokes a scheduled or active delegation (scope omni:write)",
  description:
    "revokedBy is an active user of the tenant. A delegation already revoked or expired answers 409. Emits omni.delegation.revoked.",
  request: { params: idParam, body: { required: true, content: json(revokeDelegationBody) } },
  responses: {
    200: { description: "The revoked delegation", content: json(delegationEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 404, 409, 429]),
  },
});

export function registerDelegationRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const now = new Date();
    const { items, total } = await listDelegations(
      db,
      principalOf(c).tenantId,
      filter,
      { page, perPage },
      now,
    );
    return c.json(
      { data: items.map((d) => delegationView(d, now)), pagination: paginationOf({ page, perPage }, total) },
      200,
    );
  });

  app.openapi(createDelegationRoute, async (c) => {
    const body = c.req.valid("json");
    const now = new Date();
    const row = await grantDelegation(
      db,
      principalOf(c).tenantId,
      { ...body, validFrom: new Date(body.validFrom), validTo: new Date(body.validTo) },
      now,
    );
    return c.json({ data: delegationView(row, now) }, 201);
  });

  app.openapi(getRoute, async (c) => {
    const row = await findDelegation(db, principalOf(c).tenantId, c.req.valid("param").id);
    if (!row) throw notFound();
    return c.json({ data: delegationView(row, new Date()) }, 200);
  });

  app.openapi(revokeRoute, async (c) => {
    const now = new Date();
    const result = await revokeDelegation(
      db,
      principalOf(c).tenantId,
      c.req.valid("param").id,
      c.req.valid("json"),
      now,
    );
    if (!result.ok) {
      switch (result.reason) {
        case "not_found":
          throw notFound();
        case "not_revocable":
          throw errors.conflict(
            `Delegation is ${result.status}; only a scheduled or active delegation can be revoked`,
            {
              status: `is ${result.status}`,
            },
          );
      }
    }
    return c.json({ data: delegationView(result.delegation, now) }, 200);
  });
}
