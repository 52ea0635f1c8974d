/** The request bodies of ../shared/spec/001 for delegations and approvals, as written there. */
export const railDocExamples = {
  delegation: {
    delegatorId: "usr_manager_001",
    delegateeId: "usr_deputy_002",
    scope: ["approvals", "journey_assign"],
    maxApprovalAmount: { amount: 500000, currency: "SAR" },
    validFrom: "2024-01-15T00:00:00Z",
    validTo: "2024-01-22T23:59:59Z",
    reason: "Annual leave coverage",
  },
  approval: {
    entityType: "journey",
    entityId: "jrn_abc123",
    approvalType: "credit_committee",
    requestedBy: "usr_rm_001",
    approvers: [
      { userId: "usr_credit_001", role: "primary", required: true },
      { userId: "usr_credit_002", role: "secondary", required: false },
    ],
    approvalData: {
      facilityAmount: { amount: 2000000, currency: "SAR" },
      creditScore: 720,
      recommendation: "approve",
    },
    expiresAt: "2024-01-18T17:00:00Z",
  },
  /** The SDK example: no approvalData. */
  approvalSdk: {
    entityType: "journey",
    entityId: "jrn_abc123",
    approvalType: "credit_committee",
    requestedBy: "usr_rm_001",
    approvers: [{ userId: "usr_credit_001", role: "primary", required: true }],
    expiresAt: "2024-01-18T17:00:00Z",
  },
  /** The Python SDK example: no maxApprovalAmount, no reason. */
  delegationSdk: {
    delegatorId: "usr_manager_001",
    delegateeId: "usr_deputy_002",
    scope: ["approvals", "journey_assign"],
    validFrom: "2024-01-15T00:00:00Z",
    validTo: "2024-01-22T23:59:59Z",
  },
} as const;
