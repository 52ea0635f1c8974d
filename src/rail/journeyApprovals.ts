import { approvedApprovalSql } from "./approvals/service.js";
import type { ApprovalGate } from "./journeys/ports.js";

/**
 * Where the Rail's two halves meet: an approval-type step of a journey passes only once an approval
 * raised on that journey (entityType "journey", entityId its id) is approved, read inside the
 * advancing statement.
 */
export const journeyApprovalGate: ApprovalGate = {
  approvedSql: approvedApprovalSql,
  refusal: (stepId) =>
    `Step ${stepId} is an approval step: it can be passed once an approval requested for this journey (entityType "journey") is approved`,
};
