import { and, eq } from "drizzle-orm";
import { journeys } from "../db/schema/index.js";
import { registerEntityCustomerLookup } from "./approvals/entityCustomer.js";
import { hasApprovedApproval } from "./approvals/service.js";
import type { ApprovalGate } from "./journeys/ports.js";

/**
 * Where the Rail's two halves meet: an approval-type step of a journey passes only once an approval
 * raised on that journey (entityType "journey", entityId its id) is approved, read inside the
 * advancing transaction; and approvals raised on a journey reach its customer's timeline.
 */
export const journeyApprovalGate: ApprovalGate = {
  hasApproved: (tx, tenantId, journeyId) => hasApprovedApproval(tx, tenantId, journeyId),
  refusal: (stepId) =>
    `Step ${stepId} is an approval step: it can be passed once an approval requested for this journey (entityType "journey") is approved`,
};

/** Lets approvals on a journey find the journey's customer; call once when the app is built. */
export function linkJourneyApprovalsToCustomers(): void {
  registerEntityCustomerLookup("journey", async (tx, tenantId, journeyId) => {
    const [row] = await tx
      .select({ customerId: journeys.customerId })
      .from(journeys)
      .where(and(eq(journeys.tenantId, tenantId), eq(journeys.id, journeyId)));
    return row?.customerId ?? null;
  });
}
