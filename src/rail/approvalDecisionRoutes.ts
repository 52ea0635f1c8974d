import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { principalOf } from "../auth/principal.js";
import type { Database } from "../db/client.js";
import type { ApprovalDecision } from "../db/schema/index.js";
import { errors } from "../errors.js";
import type { HubEnv } from "../http/env.js";
import { apiKeySecurity, errorResponses, json } from "../http/openapiParts.js";
import { approvalIdParam, approvalNotFound } from "./approvalRoutes.js";
import { approvalEnvelope, approvalView, decisionBody } from "./approvalSchemas.js";
import { type DecisionResult, decideApproval } from "./approvals/decide.js";
import { railTags, railWriteScope } from "./railParts.js";

const verbs: Record<ApprovalDecision, string> = { approved: "approve", rejected: "reject" };

function decisionRoute(decision: ApprovalDecision) {
  const verb = verbs[decision];
  return createRoute({
    method: "post",
    path: `/api/v1/omni/approvals/{id}/${verb}`,
    tags: railTags.approvals,
    security: apiKeySecurity,
    middleware: [railWriteScope],
    summary: `Records an approver's ${verb} decision (scope omni:write)`,
    description: `approverId decides for themselves, or with onBehalfOf for an approver who delegated approvals to them (an active delegation covering the approval's amounts). Each approver decides once; every decision joins the approval's audit trail, which cannot be changed. 403 when approverId (or onBehalfOf) is not an approver or the delegation does not cover the decision; 409 when the approval is no longer requested (approved, rejected, expired) or the approver already decided. ${decision === "approved" ? "The last required approval emits omni.approval.approved." : "A required approver's rejection emits omni.approval.rejected."}`,
    request: { params: approvalIdParam, body: { required: true, content: json(decisionBody) } },
    responses: {
      200: { description: "The approval after the decision", content: json(approvalEnvelope) },
      ...errorResponses("v1", [400, 401, 403, 404, 409, 429]),
    },
  });
}

/** The HTTP answer to a decision the approvals module refused. */
function refused(result: Exclude<DecisionResult, { ok: true }>): never {
  switch (result.reason) {
    case "not_found":
      throw approvalNotFound();
    case "closed":
      throw errors.conflict(`Approval is ${result.status}; only a requested approval takes decisions`, {
        status: `is ${result.status}`,
      });
    case "not_an_approver":
      throw errors.forbidden(`${result.userId} is not an approver of this approval`, {
        [result.field]: "is not an approver of this approval",
      });
    case "already_decided":
      throw errors.conflict(`${result.userId} has already decided this approval`, {
        [result.field]: "has already decided",
      });
    case "no_authority":
      throw errors.forbidden(`Not authorised to decide on behalf: ${result.message}`, {
        onBehalfOf: result.message,
      });
  }
}

export function registerApprovalDecisionRoutes(app: OpenAPIHono<HubEnv>, db: Database): void {
  for (const decision of ["approved", "rejected"] as const) {
    app.openapi(decisionRoute(decision), async (c) => {
      const now = new Date();
      const result = await decideApproval(
        db,
        principalOf(c).tenantId,
        c.req.valid("param").id,
        decision,
        c.req.valid("json"),
        now,
      );
      if (!result.ok) refused(result);
      return c.json({ data: approvalView(result.detail, now) }, 200);
    });
  }
}
