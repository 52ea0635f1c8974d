import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { paginationOf } from "../http/pagination.js";
import {
  approvalEnvelope,
  approvalList,
  approvalView,
  createApprovalBody,
  listApprovalsQuery,
} from "./approvalSchemas.js";
import { findApproval, listApprovals, requestApproval } from "./approvals/service.js";
import { railIdParam, railReadScope, railTags, railWriteScope } from "./railParts.js";

const tags = railTags.approvals;
const security = apiKeySecurity;
export const approvalIdParam = railIdParam("apr_01890a5d-ac96-774b-bcce-b302099a8057");
export const approvalNotFound = () => errors.notFound("Approval not found");

const listRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/approvals",
  tags,
  security,
  middleware: [railReadScope],
  summary: "Lists all approval requests, newest first (scope omni:read)",
  request: { query: listApprovalsQuery },
  responses: {
    200: { description: "A page of approvals", content: json(approvalList) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const createApprovalRoute = createRoute({
  method: "post",
  path: "/api/v1/omni/approvals",
  tags,
  security,
  middleware: [railWriteScope],
  summary: "Creates an approval request (scope omni:write)",
  description:
    "requestedBy and every approver are active users of the tenant; approvers are distinct and at least one is required. Approved when every required approver approved; rejected when any required approver rejects; expired when expiresAt passes first. Emits omni.approval.requested.",
  request: { body: { required: true, content: json(createApprovalBody) } },
  responses: {
    201: { description: "The approval request", content: json(approvalEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 429]),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/api/v1/omni/approvals/{id}",
  tags,
  security,
  middleware: [railReadScope],
  summary: "One approval with its approvers and every decision (scope omni:read)",
  request: { params: approvalIdParam },
  responses: {
    200: { description: "The approval", content: json(approvalEnvelope) },
    ...errorResponses("v1", [400, 401, 403, 404, 429]),
  },
});

export function registerApprovalRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  app.openapi(listRoute, async (c) => {
    const { page, perPage, ...filter } = c.req.valid("query");
    const now = new Date();
    const { items, total } = await listApprovals(db, principalOf(c).tenantId, filter, { page, perPage }, now);
    return c.json(
      { data: items.map((a) => approvalView(a, now)), pagination: paginationOf({ page, perPage }, total) },
      200,
    );
  });

  app.openapi(createApprovalRoute, async (c) => {
    const body = c.req.valid("json");
    const now = new Date();
    const detail = await requestApproval(
      db,
      principalOf(c).tenantId,
      { ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : null },
      now,
    );
    return c.json({ data: approvalView(detail, now) }, 201);
  });

  app.openapi(getRoute, async (c) => {
    const detail = await findApproval(db, principalOf(c).tenantId, c.req.valid("param").id);
    if (!detail) throw approvalNotFound();
    return c.json({ data: approvalView(detail, new Date()) }, 200);
  });
}
