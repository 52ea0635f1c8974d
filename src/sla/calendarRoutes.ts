import { createRoute, type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Database } from "../db/client.js";
import type { HubEnv } from "../http/env.js";
import { adminSecurity, errorResponses, json } from "../http/openapiParts.js";
import { requireTenant, tenantParam } from "../tenants/adminPath.js";
import { canonicalTimeZone } from "./calendar.js";
import { businessCalendarInputSchema, businessCalendarSchema, businessCalendarView } from "./schemas.js";
import { findWorkingHours } from "./service.js";
import { deleteWorkingHours, saveWorkingHours } from "./settings.js";

const tags = ["Admin"];
const security = adminSecurity;
const path = "/api/admin/tenants/{tenantId}/business-calendar";
const calendarResponse = {
  description: "When the tenant's SLA clock runs",
  content: json(z.object({ data: businessCalendarSchema })),
};

const getRoute = createRoute({
  method: "get",
  path,
  tags,
  security,
  summary: "The working hours the SLA clock of a tenant runs in",
  request: { params: tenantParam },
  responses: { 200: calendarResponse, ...errorResponses("v1", [401, 404]) },
});

const putRoute = createRoute({
  method: "put",
  path,
  tags,
  security,
  summary: "Set the tenant's working days, hours and holidays (in its time zone)",
  request: { params: tenantParam, body: { required: true, content: json(businessCalendarInputSchema) } },
  responses: { 200: calendarResponse, ...errorResponses("v1", [400, 401, 404]) },
});

const deleteRoute = createRoute({
  method: "delete",
  path,
  tags,
  security,
  summary: "Back to the default: the SLA clock runs every hour of every day",
  request: { params: tenantParam },
  responses: { 200: calendarResponse, ...errorResponses("v1", [401, 404]) },
});

export function registerBusinessCalendarRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(getRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    return c.json({ data: businessCalendarView(await findWorkingHours(db, tenantId)) }, 200);
  });

  app.openapi(putRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    const body = c.req.valid("json");
    const hours = {
      timezone: canonicalTimeZone(body.timezone),
      workingDays: [...body.workingDays].sort((a, b) => a - b),
      dayStartMinute: body.dayStartMinute,
      dayEndMinute: body.dayEndMinute,
      holidays: [...new Set(body.holidays)].sort(),
    };
    await saveWorkingHours(db, tenantId, hours);
    return c.json({ data: businessCalendarView(hours) }, 200);
  });

  app.openapi(deleteRoute, async (c) => {
    const tenantId = (await requireTenant(db, c.req.valid("param").tenantId)).id;
    await deleteWorkingHours(db, tenantId);
    return c.json({ data: businessCalendarView(undefined) }, 200);
  });
}
