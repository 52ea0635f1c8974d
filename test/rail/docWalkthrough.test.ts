import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { type Json, railClient, railExamples } from "./railClient.js";
import { railDocExamples } from "./railDocExamples.js";
import { isoIn } from "./railSupport.js";

/**
 * Document 001 walked as a bank application written against it would: every example request
 * (notifications are their own issue) sent as written, in the order the document gives them, each
 * answer checked against the documented response's shape where the document shows one. Values that
 * are the hub's to choose (ids, times) are checked by type; the rest by value.
 */

/** The documented responses, as written in document 001. */
const documented = {
  createJourney: {
    data: {
      id: "jrn_abc123",
      status: "created",
      templateId: "tmpl_onboarding_sme",
      customerId: "ent_customer_456",
      channel: "web",
      currentStepIndex: 0,
      currentStep: { id: "step_kyc", name: "KYC Verification", type: "kyc_check", status: "pending" },
      totalSteps: 6,
      completedSteps: 0,
      assigneeId: "usr_rm_001",
      priority: "normal",
      dueAt: "2024-01-25T17:00:00Z",
      createdAt: "2024-01-15T10:30:00Z",
      updatedAt: "2024-01-15T10:30:00Z",
    },
  },
  advanceJourney: {
    data: {
      id: "jrn_abc123",
      status: "in_progress",
      currentStepIndex: 1,
      currentStep: {
        id: "step_docs",
        name: "Document Collection",
        type: "document_upload",
        status: "pending",
      },
      completedSteps: 1,
      updatedAt: "2024-01-15T11:00:00Z",
    },
  },
  createDelegation: {
    data: {
      id: "del_xyz789",
      status: "active",
      delegatorId: "usr_manager_001",
      delegateeId: "usr_deputy_002",
      scope: ["approvals", "journey_assign"],
      maxApprovalAmount: { amount: 500000, currency: "SAR" },
      validFrom: "2024-01-15T00:00:00Z",
      validTo: "2024-01-22T23:59:59Z",
      createdAt: "2024-01-15T09:00:00Z",
    },
  },
  timeline: {
    data: [
      {
        id: "evt_001",
        timestamp: "2024-01-15T10:30:00Z",
        eventType: "journey.created",
        actorId: "usr_rm_001",
        actorName: "Ahmed Al-Rashidi",
        channel: "web",
        summary: "Onboarding journey created",
        metadata: { journeyId: "jrn_abc123", templateId: "tmpl_onboarding_sme" },
      },
      {
        id: "evt_002",
        timestamp: "2024-01-15T11:00:00Z",
        eventType: "journey.advanced",
        actorId: "usr_rm_001",
        summary: "Journey advanced: KYC step completed",
        metadata: { stepId: "step_kyc", outcome: "passed" },
      },
    ],
    pagination: { page: 1, perPage: 50, total: 2 },
  },
};

/**
 * Every key of the documented value is in the answer, with a value of the same JSON type (objects
 * compared the same way); the answer may say more. An array's items are compared with its
 * documented items together: a key every documented item has is required, a key only some have
 * (the timeline's actorName and channel) is checked where the answer has it.
 */
function expectShape(
  actual: unknown,
  doc: unknown,
  path = "$",
  optional: ReadonlySet<string> = new Set(),
): void {
  if (doc === null) return;
  if (Array.isArray(doc)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    const [first] = doc;
    if (first === undefined) return;
    if (typeof first !== "object" || first === null) {
      for (const [i, item] of (actual as unknown[]).entries()) expectShape(item, first, `${path}[${i}]`);
      return;
    }
    const items = doc as Json[];
    const merged: Json = Object.assign({}, ...[...items].reverse());
    for (const [key, value] of Object.entries(merged)) {
      // An object whose keys differ from item to item (the timeline's metadata, by event type) is
      // only required to be an object.
      const keysOf = (item: Json) =>
        JSON.stringify(Object.keys((item[key] as Json | undefined) ?? {}).sort());
      if (typeof value === "object" && value !== null && new Set(items.map(keysOf)).size > 1)
        merged[key] = {};
    }
    const some = new Set(Object.keys(merged).filter((k) => !items.every((item) => k in item)));
    for (const [i, item] of (actual as unknown[]).entries()) expectShape(item, merged, `${path}[${i}]`, some);
    return;
  }
  if (typeof doc === "object") {
    expect(
      actual !== null && typeof actual === "object" && !Array.isArray(actual),
      `${path} is an object`,
    ).toBe(true);
    for (const [key, value] of Object.entries(doc)) {
      if (optional.has(key) && !(key in (actual as Json))) continue;
      expect(actual as Json, `${path}.${key}`).toHaveProperty(key);
      expectShape((actual as Json)[key], value, `${path}.${key}`);
    }
    return;
  }
  expect(typeof actual, `${path} is a ${typeof doc}`).toBe(typeof doc);
}

const isoTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

let hub: TestHub;
let rail: ReturnType<typeof railClient>;

/** The document's user ids, registered by the bank before its apps use them. */
const staff = {
  usr_rm_001: "Ahmed Al-Rashidi",
  usr_rm_002: "Sara Al-Qahtani",
  usr_manager_001: "Layla Manager",
  usr_deputy_002: "Omar Deputy",
  usr_credit_001: "Fatima Credit",
  usr_credit_002: "Yusuf Credit",
};

beforeAll(async () => {
  hub = await createTestHub();
  const bank = await hub.createTenantWithKey("rail-walkthrough", ["omni:read", "omni:write"]);
  rail = railClient(hub, bank.key);
  for (const [id, name] of Object.entries(staff)) {
    const res = await hub.adminRequest(`/api/admin/tenants/${bank.tenantId}/users/${id}`, {
      method: "PUT",
      json: { name, role: "staff" },
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => hub.close());

describe("document 001, example by example", () => {
  let journeyId: string;

  it("List and Create Journey Templates: the example's body, then the same with the id journeys name", async () => {
    const empty = await rail.get<Json[]>("/api/v1/omni/templates?category=onboarding&status=active");
    expect(empty.status).toBe(200);
    expect(empty.body.data).toEqual([]);

    const asWritten = await rail.post<Json>("/api/v1/omni/templates", railExamples.template);
    expect(asWritten.status).toBe(201);
    expect(asWritten.body.data).toMatchObject({
      status: "draft",
      name: "SME Onboarding",
      category: "onboarding",
      steps: railExamples.template.steps.map((s) => expect.objectContaining({ id: s.id, type: s.type })),
    });
    // The journey example names tmpl_onboarding_sme: the extension `id` gives the template that id.
    const named = await rail.activeTemplate({ ...railExamples.template, id: "tmpl_onboarding_sme" });
    expect(named).toBe("tmpl_onboarding_sme");
    const listed = await rail.get<Json[]>("/api/v1/omni/templates?category=onboarding&status=active");
    expect(listed.body.data.map((t) => t.id)).toEqual(["tmpl_onboarding_sme"]);
  });

  it("Create Journey: the documented response", async () => {
    const res = await rail.post<Json>("/api/v1/omni/journeys", railExamples.journey);
    expect(res.status).toBe(201);
    expectShape(res.body, documented.createJourney);
    const {
      totalSteps: _six,
      id: _id,
      createdAt: _c,
      updatedAt: _u,
      dueAt: _d,
      ...fixed
    } = documented.createJourney.data;
    expect(res.body.data).toMatchObject(fixed);
    // The document's response says 6 steps; its template example has 3, which this journey runs on.
    expect(res.body.data.totalSteps).toBe(3);
    expect(res.body.data.dueAt).toBe("2024-01-25T17:00:00.000Z");
    for (const field of ["createdAt", "updatedAt"]) expect(res.body.data[field]).toMatch(isoTime);
    journeyId = String(res.body.data.id);
  });

  it("List Journeys with every documented filter", async () => {
    const query =
      "status=created&templateId=tmpl_onboarding_sme&customerId=ent_customer_456&assigneeId=usr_rm_001&page=1&perPage=20";
    const res = await rail.call<{ data: Json[]; pagination: Json }>("GET", `/api/v1/omni/journeys?${query}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((j) => j.id)).toEqual([journeyId]);
    expect(res.body.pagination).toEqual({ page: 1, perPage: 20, total: 1 });
  });

  it("Advance Journey: the documented response", async () => {
    const res = await rail.act<Json>(journeyId, "advance", railExamples.advance);
    expect(res.status).toBe(200);
    expectShape(res.body, documented.advanceJourney);
    const { updatedAt: _u, id: _id, ...fixed } = documented.advanceJourney.data;
    expect(res.body.data).toMatchObject({ ...fixed, id: journeyId });
  });

  it("Assign Journey, then Complete Journey once every step is done (the approval step approved)", async () => {
    const assigned = await rail.act<Json>(journeyId, "assign", railExamples.assign);
    expect(assigned.status).toBe(200);
    expect(assigned.body.data).toMatchObject({ status: "assigned", assigneeId: "usr_rm_002" });
    // Resumed by advancing the documents step; the credit step is an approval.
    const docs = { ...railExamples.advance, completedStepId: "step_docs", stepData: { received: 2 } };
    expect((await rail.act<Json>(journeyId, "advance", docs)).body.data.status).toBe("in_progress");

    // Create Approval Request, as written (its entityId names the document's journey) and for ours.
    const asWritten = await rail.post<Json>("/api/v1/omni/approvals", railDocExamples.approval);
    expect(asWritten.status).toBe(201);
    const approval = await rail.post<{ id: string }>("/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      entityId: journeyId,
      expiresAt: isoIn(48),
    });
    expect(approval.status).toBe(201);
    const decided = await rail.post(`/api/v1/omni/approvals/${approval.body.data.id}/approve`, {
      approverId: "usr_credit_001",
      comment: "Within appetite",
    });
    expect(decided.status).toBe(200);
    const credit = { ...railExamples.advance, completedStepId: "step_credit", stepData: {} };
    expect((await rail.act<Json>(journeyId, "advance", credit)).body.data.completedSteps).toBe(3);

    const completed = await rail.act<Json>(journeyId, "complete", railExamples.complete);
    expect(completed.status).toBe(200);
    expect(completed.body.data).toMatchObject({ status: "completed", currentStep: null, completedSteps: 3 });
  });

  it("Cancel Journey, on a journey the SDK example creates", async () => {
    const sdk = await rail.post<{ id: string }>("/api/v1/omni/journeys", {
      templateId: "tmpl_onboarding_sme",
      customerId: "ent_customer_456",
      channel: "web",
      assigneeId: "usr_rm_001",
    });
    expect(sdk.status).toBe(201);
    const cancelled = await rail.act<Json>(sdk.body.data.id, "cancel", railExamples.cancel);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe("cancelled");
  });

  it("List and Create Delegations: the documented response, and the SDK's smaller body", async () => {
    const res = await rail.post<Json>("/api/v1/omni/delegations", railDocExamples.delegation);
    expect(res.status).toBe(201);
    expectShape(res.body, documented.createDelegation);
    const {
      status: _s,
      id: _id,
      createdAt: _c,
      validFrom,
      validTo,
      ...fixed
    } = documented.createDelegation.data;
    expect(res.body.data).toMatchObject(fixed);
    expect([res.body.data.validFrom, res.body.data.validTo]).toEqual(
      [validFrom, validTo].map((t) => new Date(t).toISOString()),
    );
    // Its window (January 2024) is over: the status says so at read time, where the document says active.
    expect(res.body.data.status).toBe("expired");
    expect((await rail.post("/api/v1/omni/delegations", railDocExamples.delegationSdk)).status).toBe(201);

    const query = "delegatorId=usr_manager_001&delegateeId=usr_deputy_002&status=expired&scope=approvals";
    const listed = await rail.call<{ data: Json[]; pagination: Json }>(
      "GET",
      `/api/v1/omni/delegations?${query}`,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.data).toHaveLength(2);
  });

  it("List Approvals with every documented filter, and the SDK's approval body", async () => {
    expect((await rail.post("/api/v1/omni/approvals", railDocExamples.approvalSdk)).status).toBe(201);
    const query = "status=approved&approverId=usr_credit_001&requesterId=usr_rm_001&entityType=journey";
    const res = await rail.call<{ data: Json[]; pagination: Json }>("GET", `/api/v1/omni/approvals?${query}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((a) => a.entityId)).toEqual([journeyId]);
  });

  it("Get Activity Timeline: the documented response, for the SDK's query and with every parameter", async () => {
    const res = await rail.call<Json>(
      "GET",
      "/api/v1/omni/timeline?entityId=ent_customer_456&entityType=customer&perPage=50",
    );
    expect(res.status).toBe(200);
    expectShape(res.body, documented.timeline);
    const entries = res.body.data as Array<Json & { metadata: Json }>;
    const created = entries.find(
      (e) => e.eventType === "journey.created" && e.metadata.journeyId === journeyId,
    );
    expect(created).toMatchObject({
      channel: "web",
      summary: "Journey created: tmpl_onboarding_sme",
      metadata: { journeyId, templateId: "tmpl_onboarding_sme" },
    });
    const advanced = entries.filter((e) => e.eventType === "journey.advanced").at(-1);
    expect(advanced).toMatchObject({
      actorId: "usr_rm_001",
      actorName: "Ahmed Al-Rashidi",
      summary: "Journey advanced: step_kyc passed",
      metadata: { stepId: "step_kyc", outcome: "passed" },
    });
    expect(entries.map((e) => e.eventType)).toEqual(
      expect.arrayContaining([
        "approval.requested",
        "approval.approved",
        "journey.completed",
        "journey.cancelled",
      ]),
    );

    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const filtered = await rail.call<{ data: Json[]; pagination: Json }>(
      "GET",
      `/api/v1/omni/timeline?entityId=ent_customer_456&entityType=customer&fromDate=${from}&toDate=${to}&eventTypes=journey.created,journey.advanced&page=1&perPage=2`,
    );
    expect(filtered.status).toBe(200);
    expect(filtered.body.data).toHaveLength(2);
    expect(filtered.body.pagination).toEqual({ page: 1, perPage: 2, total: 5 });
    // Newest first: the SDK's journey, then the credit step of the first.
    expect(filtered.body.data.map((e) => e.eventType)).toEqual(["journey.created", "journey.advanced"]);
  });
});
