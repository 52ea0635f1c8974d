import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf, paginationQuery, paginationSchema } from "../http/pagination.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import {
  listUsersQuery,
  saveTeamBody,
  saveUserBody,
  teamIdParam,
  teamSchema,
  teamView,
  userIdParam,
  userSchema,
  userView,
} from "./schemas.js";
import { findUser, listTeams, listUsers, saveTeam, saveUser } from "./service.js";

const tags = ["Admin"];
const security = adminSecurity;
const base = "/api/admin/tenants/{tenantId}";
const one = <T extends z.ZodType>(schema: T) => json(z.object({ data: schema }));

const listTeamsRoute = createRoute({
  method: "get",
  path: `${base}/teams`,
  tags,
  security,
  summary: "A tenant's teams",
  request: { params: tenantParam },
  responses: {
    200: { description: "Every team", content: json(z.object({ data: z.array(teamSchema) })) },
    ...errorResponses("v1", [401, 404]),
  },
});

const saveTeamRoute = createRoute({
  method: "put",
  path: `${base}/teams/{teamId}`,
  tags,
  security,
  summary: "Create a team under the bank's own id, or rename it",
  request: {
    params: tenantParam.extend(teamIdParam.shape),
    body: { required: true, content: json(saveTeamBody) },
  },
  responses: {
    200: { description: "Renamed", content: one(teamSchema) },
    201: { description: "Created", content: one(teamSchema) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const listUsersRoute = createRoute({
  method: "get",
  path: `${base}/users`,
  tags,
  security,
  summary: "A tenant's users, by id",
  request: {
    params: tenantParam,
    query: listUsersQuery.extend(paginationQuery({ perPage: 50, maxPerPage: 200 }).shape),
  },
  responses: {
    200: {
      description: "A page of users",
      content: json(z.object({ data: z.array(userSchema), pagination: paginationSchema })),
    },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const getUserRoute = createRoute({
  method: "get",
  path: `${base}/users/{userId}`,
  tags,
  security,
  summary: "One user of a tenant",
  request: { params: tenantParam.extend(userIdParam.shape) },
  responses: {
    200: { description: "The user", content: one(userSchema) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

const saveUserRoute = createRoute({
  method: "put",
  path: `${base}/users/{userId}`,
  tags,
  security,
  summary:
    "Create a user under the bank's own id (usr_rm_001), or replace their name, role, team and active flag",
  description:
    "Users are who journeys are assigned to, who request and decide approvals and who delegate authority; the Rail refuses ids that are not here (or not active). `teamId` must name an existing team.",
  request: {
    params: tenantParam.extend(userIdParam.shape),
    body: { required: true, content: json(saveUserBody) },
  },
  responses: {
    200: { description: "Replaced", content: one(userSchema) },
    201: { description: "Created", content: one(userSchema) },
    ...errorResponses("v1", [400, 401, 404]),
  },
});

/** The operator manages a tenant's users and teams, so the ids the Rail takes name real people. */
export function registerUserAdminRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(listTeamsRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    return c.json({ data: (await listTeams(db, tenant.id)).map(teamView) }, 200);
  });

  app.openapi(saveTeamRoute, async (c) => {
    const { tenantId, teamId } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const { team, created } = await saveTeam(db, tenant.id, teamId, c.req.valid("json"));
    return created ? c.json({ data: teamView(team) }, 201) : c.json({ data: teamView(team) }, 200);
  });

  app.openapi(listUsersRoute, async (c) => {
    const tenant = await requireTenant(db, c.req.valid("param").tenantId);
    const { page, perPage, ...filter } = c.req.valid("query");
    const { items, total } = await listUsers(db, tenant.id, filter, { page, perPage });
    return c.json({ data: items.map(userView), pagination: paginationOf({ page, perPage }, total) }, 200);
  });

  app.openapi(getUserRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const user = await findUser(db, tenant.id, userId);
    if (!user) throw errors.notFound("User not found");
    return c.json({ data: userView(user) }, 200);
  });

  app.openapi(saveUserRoute, async (c) => {
    const { tenantId, userId } = c.req.valid("param");
    const tenant = await requireTenant(db, tenantId);
    const { user, created } = await saveUser(db, tenant.id, userId, c.req.valid("json"));
    return created ? c.json({ data: userView(user) }, 201) : c.json({ data: userView(user) }, 200);
  });
}
