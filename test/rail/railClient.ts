import { expect } from "vitest";
import { bearer, type TestHub } from "../support/testHub.js";

export type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };

/** Document 001's bodies, as bank apps send them. */
export const railExamples = {
  template: {
    name: "SME Onboarding",
    description: "End-to-end onboarding journey for SME customers",
    category: "onboarding",
    steps: [
      {
        id: "step_kyc",
        name: "KYC Verification",
        type: "kyc_check",
        order: 1,
        required: true,
        timeoutHours: 48,
      },
      {
        id: "step_docs",
        name: "Document Collection",
        type: "document_upload",
        order: 2,
        required: true,
        documentsRequired: ["trade_license", "financial_statements"],
      },
      {
        id: "step_credit",
        name: "Credit Assessment",
        type: "approval",
        order: 3,
        required: true,
        approvalRoleRequired: "credit_analyst",
      },
    ],
    estimatedDurationDays: 5,
    slaHours: 120,
  },
  journey: {
    templateId: "tmpl_onboarding_sme",
    customerId: "ent_customer_456",
    channel: "web",
    context: { productType: "murabaha", requestedAmount: { amount: 2000000, currency: "SAR" } },
    assigneeId: "usr_rm_001",
    priority: "normal",
    dueAt: "2024-01-25T17:00:00Z",
  },
  advance: {
    completedStepId: "step_kyc",
    stepOutcome: "passed",
    stepData: { kycStatus: "verified", kycReference: "kyc_ref_001" },
    advancedBy: "usr_rm_001",
  },
  assign: {
    assigneeId: "usr_rm_002",
    assigneeType: "user",
    reason: "Original RM on leave",
    notifyAssignee: true,
  },
  complete: {
    completionNotes: "All steps completed, contract activated",
    completedBy: "usr_rm_001",
    outcome: "success",
  },
  cancel: { cancellationReason: "Customer withdrew application", cancelledBy: "usr_rm_001" },
} as const;

/**
 * The six steps the create-journey example's response implies (totalSteps 6, first step step_kyc
 * "KYC Verification"), with no approval step so they can all be passed without approvals.
 */
export const sixStepTemplate = {
  id: "tmpl_onboarding_sme",
  name: "SME Onboarding",
  category: "onboarding",
  steps: [
    { id: "step_kyc", name: "KYC Verification", type: "kyc_check", order: 1, required: true },
    {
      id: "step_docs",
      name: "Document Collection",
      type: "document_upload",
      order: 2,
      required: true,
      documentsRequired: ["trade_license"],
    },
    { id: "step_credit_check", name: "Credit Check", type: "credit_check", order: 3, required: true },
    { id: "step_review", name: "Review", type: "review", order: 4, required: true },
    { id: "step_sign", name: "Contract Signature", type: "signature", order: 5, required: true },
    { id: "step_survey", name: "Welcome Survey", type: "form", order: 6, required: false },
  ],
  slaHours: 120,
};

export type Json = Record<string, unknown>;

export function railClient(hub: TestHub, key: string) {
  async function call<T = Json>(method: string, path: string, body?: unknown) {
    const res = await hub.request(path, {
      method,
      headers: { ...bearer(key), "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T & Problem };
  }
  const post = <T = Json>(path: string, body: unknown) => call<{ data: T }>("POST", path, body);
  const get = <T = Json>(path: string) => call<{ data: T }>("GET", path);

  /** A template made active, ready for journeys. */
  async function activeTemplate(body: Json): Promise<string> {
    const made = await post<{ id: string }>("/api/v1/omni/templates", body);
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    const id = made.body.data.id;
    expect((await post(`/api/v1/omni/templates/${id}/status`, { status: "active" })).status).toBe(200);
    return id;
  }

  async function newJourney(templateId: string, extra: Json = {}): Promise<string> {
    const res = await post<{ id: string }>("/api/v1/omni/journeys", {
      templateId,
      customerId: "ent_c1",
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.data.id;
  }

  const act = <T = Json>(id: string, action: string, body: unknown) =>
    post<T>(`/api/v1/omni/journeys/${id}/${action}`, body);
  const advance = (id: string, stepId: string, stepOutcome = "passed") =>
    act<{ status: string; currentStepIndex: number }>(id, "advance", {
      completedStepId: stepId,
      stepOutcome,
      advancedBy: "usr_rm_001",
    });

  return { call, post, get, activeTemplate, newJourney, act, advance };
}
