import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema/index.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { type Json, railClient, railExamples, sixStepTemplate } from "./railClient.js";
import { docUsers, seedUsers } from "./railSupport.js";

let hub: TestHub;
let rail: ReturnType<typeof railClient>;
let tenantId: string;
let sixSteps: string;

type Journey = {
  id: string;
  status: string;
  currentStepIndex: number;
  currentStep: { id: string; status: string } | null;
  completedSteps: number;
  totalSteps: number;
  assigneeId: string | null;
};

beforeAll(async () => {
  hub = await createTestHub();
  const tenant = await hub.createTenantWithKey("rail-journeys", ["omni:read", "omni:write"]);
  tenantId = tenant.tenantId;
  rail = railClient(hub, tenant.key);
  sixSteps = await rail.activeTemplate(sixStepTemplate);
  await seedUsers(hub, tenantId, { ...docUsers, usr_rm_002: "Sara Al-Qahtani", usr_gone: "Former RM" });
  const gone = await hub.adminRequest(`/api/admin/tenants/${tenantId}/users/usr_gone`, {
    method: "PUT",
    json: { name: "Former RM", role: "staff", active: false },
  });
  expect(gone.status).toBe(200);
});
afterAll(() => hub.close());

const sixStepIds = sixStepTemplate.steps.map((s) => s.id);

async function journeyAt(stepsPassed: number): Promise<string> {
  const id = await rail.newJourney(sixSteps);
  for (const step of sixStepIds.slice(0, stepsPassed))
    expect((await rail.advance(id, step)).status).toBe(200);
  return id;
}

async function eventsOf(journeyId: string) {
  return hub.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, tenantId), eq(events.subjectId, journeyId)))
    .orderBy(events.occurredAt);
}

describe("the document's examples, sent as written", () => {
  it("Create Journey answers the documented response", async () => {
    const res = await rail.post<Journey & Json>("/api/v1/omni/journeys", railExamples.journey);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
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
      context: railExamples.journey.context,
    });
    const data = res.body.data as Json;
    expect(data.id).toMatch(/^jrn_[0-9a-f]{32}$/);
    expect(new Date(String(data.dueAt)).toISOString()).toBe("2024-01-25T17:00:00.000Z");
    for (const field of ["createdAt", "updatedAt"])
      expect(Number.isNaN(Date.parse(String(data[field])))).toBe(false);
  });

  it("Advance Journey answers the documented response and records the step", async () => {
    const id = await rail.newJourney(sixSteps);
    const res = await rail.act<Journey>(id, "advance", railExamples.advance);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      id,
      status: "in_progress",
      currentStepIndex: 1,
      currentStep: {
        id: "step_docs",
        name: "Document Collection",
        type: "document_upload",
        status: "pending",
      },
      completedSteps: 1,
    });
    const detail = await rail.get<{ history: Json[]; steps: Json[] }>(`/api/v1/omni/journeys/${id}`);
    expect(detail.body.data.history).toEqual([
      expect.objectContaining({
        stepId: "step_kyc",
        stepIndex: 0,
        stepOutcome: "passed",
        stepData: railExamples.advance.stepData,
        advancedBy: "usr_rm_001",
      }),
    ]);
    expect(detail.body.data.steps.map((s) => s.status)).toEqual([
      "passed",
      "pending",
      "not_started",
      "not_started",
      "not_started",
      "not_started",
    ]);
  });

  it("Assign, Complete and Cancel Journey take the documented bodies", async () => {
    const id = await journeyAt(1);
    const assigned = await rail.act<Journey>(id, "assign", railExamples.assign);
    expect(assigned.status).toBe(200);
    expect(assigned.body.data).toMatchObject({
      status: "assigned",
      assigneeId: "usr_rm_002",
      assigneeType: "user",
    });
    for (const step of sixStepIds.slice(1, 5)) expect((await rail.advance(id, step)).status).toBe(200);
    const completed = await rail.act<Journey>(id, "complete", railExamples.complete);
    expect(completed.status).toBe(200);
    expect(completed.body.data.status).toBe("completed");
    const detail = await rail.get<Json>(`/api/v1/omni/journeys/${id}`);
    expect(detail.body.data.completion).toEqual({
      completedBy: "usr_rm_001",
      completionNotes: "All steps completed, contract activated",
      outcome: "success",
    });

    const other = await journeyAt(1);
    const cancelled = await rail.act<Journey>(other, "cancel", railExamples.cancel);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.data.status).toBe("cancelled");
  });

  it("the SDK examples' smaller bodies work too", async () => {
    const created = await rail.post<Journey>("/api/v1/omni/journeys", {
      templateId: "tmpl_onboarding_sme",
      customerId: "ent_customer_456",
      channel: "web",
      assigneeId: "usr_rm_001",
    });
    expect(created.status).toBe(201);
    const advanced = await rail.act<Journey>(created.body.data.id, "advance", {
      completedStepId: "step_kyc",
      stepOutcome: "passed",
      advancedBy: "usr_rm_001",
    });
    expect(advanced.status).toBe(200);
  });
});

describe("the lifecycle: the document's state diagram and nothing else", () => {
  it("created → in_progress on the first advance", async () => {
    const id = await journeyAt(0);
    expect((await rail.advance(id, "step_kyc")).body.data.status).toBe("in_progress");
  });

  it("in_progress → assigned → in_progress (resume by advancing), and reassigning keeps it assigned", async () => {
    const id = await journeyAt(1);
    expect((await rail.act<Journey>(id, "assign", railExamples.assign)).body.data.status).toBe("assigned");
    const again = await rail.act<Journey>(id, "assign", { assigneeId: "team_credit", assigneeType: "team" });
    expect(again.body.data).toMatchObject({ status: "assigned", assigneeId: "team_credit" });
    expect((await rail.advance(id, "step_docs")).body.data.status).toBe("in_progress");
  });

  it("a created journey cannot be assigned: 409 saying what allows it", async () => {
    const id = await journeyAt(0);
    const res = await rail.act(id, "assign", railExamples.assign);
    expect(res.status).toBe(409);
    expect(res.body.error.message).toBe(
      "Cannot assign a created journey: assign is allowed from in_progress, assigned; a created journey allows advance, cancel",
    );
  });

  it("completes only from in_progress with every required step done", async () => {
    const early = await journeyAt(3);
    const refused = await rail.act(early, "complete", railExamples.complete);
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe("Required steps are not done: step_review, step_sign");

    const created = await journeyAt(0);
    expect((await rail.act(created, "complete", railExamples.complete)).body.error.message).toContain(
      "complete is allowed from in_progress",
    );

    // The last step is optional: done with five of six.
    const done = await journeyAt(5);
    expect((await rail.act<Journey>(done, "complete", railExamples.complete)).body.data.status).toBe(
      "completed",
    );
    await rail.act(done, "cancel", railExamples.cancel).then((r) => {
      expect(r.status).toBe(409);
      expect(r.body.error.message).toBe(
        "Cannot cancel a completed journey: cancel is allowed from created, in_progress, assigned; a completed journey is final",
      );
    });
    expect((await rail.advance(done, "step_survey")).status).toBe(409);
  });

  it("an assigned journey cannot complete until resumed", async () => {
    const id = await journeyAt(5);
    await rail.act(id, "assign", railExamples.assign);
    expect((await rail.act(id, "complete", railExamples.complete)).status).toBe(409);
  });

  it("cancels from created, in_progress and assigned, and nothing moves after", async () => {
    const created = await journeyAt(0);
    const inProgress = await journeyAt(2);
    const assigned = await journeyAt(1);
    await rail.act(assigned, "assign", railExamples.assign);
    for (const id of [created, inProgress, assigned])
      expect((await rail.act<Journey>(id, "cancel", railExamples.cancel)).body.data.status).toBe("cancelled");
    expect((await rail.act(created, "cancel", railExamples.cancel)).status).toBe(409);
    expect((await rail.advance(created, "step_kyc")).status).toBe(409);
    expect((await rail.act(inProgress, "assign", railExamples.assign)).status).toBe(409);
  });

  it("advance must name the current step", async () => {
    const id = await journeyAt(1);
    const res = await rail.advance(id, "step_kyc");
    expect(res.status).toBe(409);
    expect(res.body.error.fields).toEqual({ completedStepId: "the current step is step_docs" });
  });

  it("a failed outcome is recorded and does not move on", async () => {
    const id = await journeyAt(1);
    const failed = await rail.advance(id, "step_docs", "failed");
    expect(failed.status).toBe(200);
    expect(failed.body.data).toMatchObject({ currentStepIndex: 1, status: "in_progress" });
    const detail = await rail.get<{ history: Array<{ stepOutcome: string }> }>(`/api/v1/omni/journeys/${id}`);
    expect(detail.body.data.history.map((h) => h.stepOutcome)).toEqual(["passed", "failed"]);
    expect((await rail.advance(id, "step_docs")).body.data.currentStepIndex).toBe(2);
  });

  it("a required step cannot be skipped; an optional one can", async () => {
    const id = await journeyAt(0);
    expect((await rail.advance(id, "step_kyc", "skipped")).status).toBe(409);
    const last = await journeyAt(5);
    expect((await rail.advance(last, "step_survey", "skipped")).body.data.currentStepIndex).toBe(6);
  });

  it("a journey starts only from an active template", async () => {
    const draft = await rail.post<{ id: string }>("/api/v1/omni/templates", {
      ...sixStepTemplate,
      id: "tmpl_draft",
    });
    const res = await rail.post("/api/v1/omni/journeys", {
      templateId: draft.body.data.id,
      customerId: "ent_c1",
    });
    expect(res.status).toBe(409);
    expect(res.body.error.fields).toEqual({ templateId: "template is draft" });
    const missing = await rail.post("/api/v1/omni/journeys", {
      templateId: "tmpl_nothing",
      customerId: "ent_c1",
    });
    expect(missing.status).toBe(400);
    expect(Object.keys(missing.body.error.fields ?? {})).toEqual(["templateId"]);
  });
});

describe("the users a journey names", () => {
  it("are the tenant's active users (or, for assign, its teams): else 400 naming the field, and nothing written", async () => {
    const unknownAssignee = await rail.post("/api/v1/omni/journeys", {
      ...railExamples.journey,
      assigneeId: "usr_nobody",
    });
    expect(unknownAssignee.status).toBe(400);
    expect(unknownAssignee.body.error.fields).toEqual({ assigneeId: "unknown user usr_nobody" });

    const id = await journeyAt(1);
    const cases: Array<[string, Json, Record<string, string>]> = [
      [
        "advance",
        { completedStepId: "step_docs", stepOutcome: "passed", advancedBy: "usr_nobody" },
        { advancedBy: "unknown user usr_nobody" },
      ],
      [
        "advance",
        { completedStepId: "step_docs", stepOutcome: "passed", advancedBy: "usr_gone" },
        { advancedBy: "user usr_gone is not active" },
      ],
      ["assign", { assigneeId: "usr_nobody" }, { assigneeId: "unknown user usr_nobody" }],
      [
        "assign",
        { assigneeId: "team_nobody", assigneeType: "team" },
        { assigneeId: "unknown team team_nobody" },
      ],
      // A team's id is not a user's: the type decides which the id must be.
      [
        "assign",
        { assigneeId: "team_credit", assigneeType: "user" },
        { assigneeId: "unknown user team_credit" },
      ],
      ["complete", { completedBy: "usr_nobody" }, { completedBy: "unknown user usr_nobody" }],
      [
        "cancel",
        { cancellationReason: "x", cancelledBy: "usr_gone" },
        { cancelledBy: "user usr_gone is not active" },
      ],
    ];
    for (const [action, body, fields] of cases) {
      const res = await rail.act(id, action, body);
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.fields).toEqual(fields);
    }
    expect((await eventsOf(id)).map((e) => e.type)).toEqual([
      "omni.journey.created",
      "omni.journey.advanced",
    ]);
    const detail = await rail.get<Journey & { history: Json[] }>(`/api/v1/omni/journeys/${id}`);
    expect(detail.body.data).toMatchObject({ status: "in_progress", currentStepIndex: 1 });
    expect(detail.body.data.history).toHaveLength(1);
  });

  it("a user is checked before the lifecycle, and a missing journey before the user", async () => {
    const done = await journeyAt(0);
    await rail.act(done, "cancel", railExamples.cancel);
    const late = await rail.act(done, "cancel", { cancellationReason: "again", cancelledBy: "usr_nobody" });
    expect(late.status).toBe(400);
    const missing = await rail.act("jrn_missing", "cancel", {
      cancellationReason: "x",
      cancelledBy: "usr_nobody",
    });
    expect(missing.status).toBe(404);
  });

  it("journey events name the acting user, so the timeline shows their name", async () => {
    const id = await journeyAt(1);
    const res = await rail.get<Array<{ eventType: string; actorId?: string; actorName?: string }>>(
      `/api/v1/omni/timeline?entityId=${id}&entityType=journey`,
    );
    expect(res.body.data.map((e) => [e.eventType, e.actorName])).toEqual([
      ["journey.advanced", "Ahmed Al-Rashidi"],
      ["journey.created", undefined],
    ]);
  });
});

describe("events", () => {
  it("each action writes its omni.journey.* event in the same transaction, without personal data", async () => {
    const id = await journeyAt(1);
    await rail.act(id, "assign", railExamples.assign);
    await rail.act(id, "cancel", railExamples.cancel);
    const written = await eventsOf(id);
    expect(written.map((e) => e.type)).toEqual([
      "omni.journey.created",
      "omni.journey.advanced",
      "omni.journey.assigned",
      "omni.journey.cancelled",
    ]);
    expect(written[1]?.payload).toMatchObject({
      stepId: "step_kyc",
      outcome: "passed",
      advancedBy: "usr_rm_001",
    });
    expect(written[1]).toMatchObject({ actorType: "user", actorId: "usr_rm_001", subjectType: "journey" });
    expect(written[3]).toMatchObject({ actorType: "user", actorId: "usr_rm_001" });
    expect(written[2]).toMatchObject({ actorType: "api_key" });
    expect(written[2]?.payload).toMatchObject({
      assigneeId: "usr_rm_002",
      assigneeType: "user",
      previousAssigneeId: null,
      fromStatus: "in_progress",
      notifyAssignee: true,
    });
    expect(written[1]?.payload).toMatchObject({
      journeyId: id,
      templateId: sixSteps,
      stepIndex: 0,
      fromStatus: "created",
      status: "in_progress",
      currentStepIndex: 1,
      nextStepId: "step_docs",
      completedSteps: 1,
      totalSteps: 6,
    });
    expect(written.every((e) => e.customerId === "ent_c1" && e.channel === null)).toBe(true);
    const text = JSON.stringify(written.map((e) => e.payload));
    for (const free of ["Original RM on leave", "Customer withdrew application", "murabaha", "kyc_ref_001"])
      expect(text).not.toContain(free);
  });

  it("a refused action writes no event", async () => {
    const id = await journeyAt(0);
    expect((await rail.act(id, "complete", railExamples.complete)).status).toBe(409);
    expect((await eventsOf(id)).map((e) => e.type)).toEqual(["omni.journey.created"]);
  });
});

describe("GET /api/v1/omni/journeys", () => {
  it("filters by status, templateId, customerId and assigneeId, and pages", async () => {
    const listed = await hub.createTenantWithKey("rail-journeys-list", ["omni:read", "omni:write"]);
    await seedUsers(hub, listed.tenantId, { usr_1: "List RM", usr_rm_001: "Ahmed Al-Rashidi" });
    const own = railClient(hub, listed.key);
    const templateId = await own.activeTemplate(sixStepTemplate);
    const a = await own.newJourney(templateId, { customerId: "ent_a", assigneeId: "usr_1" });
    const b = await own.newJourney(templateId, { customerId: "ent_b" });
    await own.advance(b, "step_kyc");
    const ids = async (query: string) =>
      (await own.call<{ data: Journey[]; pagination: Json }>("GET", `/api/v1/omni/journeys${query}`)).body;
    expect((await ids("")).data.map((j) => j.id)).toEqual([b, a]);
    expect((await ids("")).pagination).toEqual({ page: 1, perPage: 20, total: 2 });
    expect((await ids("?status=in_progress")).data.map((j) => j.id)).toEqual([b]);
    expect((await ids("?customerId=ent_a")).data.map((j) => j.id)).toEqual([a]);
    expect((await ids("?assigneeId=usr_1")).data.map((j) => j.id)).toEqual([a]);
    expect((await ids(`?templateId=${templateId}`)).data).toHaveLength(2);
    expect((await ids("?templateId=tmpl_other")).data).toHaveLength(0);
    const page2 = await ids("?page=2&perPage=1");
    expect(page2.data.map((j) => j.id)).toEqual([a]);
    expect(page2.pagination).toEqual({ page: 2, perPage: 1, total: 2 });
    expect((await ids("?perPage=100")).pagination).toMatchObject({ perPage: 100 });
    const tooMany = await own.get("/api/v1/omni/journeys?perPage=101");
    expect(tooMany.status).toBe(400);
    expect(Object.keys(tooMany.body.error.fields ?? {})).toEqual(["perPage"]);
  });

  it("another tenant's journey is 404, and reading needs omni:read", async () => {
    const id = await journeyAt(0);
    const other = await hub.createTenantWithKey("rail-journeys-other", ["omni:read", "omni:write"]);
    expect((await railClient(hub, other.key).get(`/api/v1/omni/journeys/${id}`)).status).toBe(404);
    expect((await railClient(hub, other.key).advance(id, "step_kyc")).status).toBe(404);
    const noScope = await hub.createTenantWithKey("rail-journeys-noscope", ["desk:read"]);
    expect((await railClient(hub, noScope.key).get("/api/v1/omni/journeys")).status).toBe(403);
  });
});

describe("concurrency", () => {
  it("of ten concurrent advances of the same step, one wins and the others get 409", async () => {
    const id = await journeyAt(0);
    const results = await Promise.all(Array.from({ length: 10 }, () => rail.advance(id, "step_kyc")));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409, 409, 409, 409, 409]);
    const detail = await rail.get<{ history: Json[]; completedSteps: number }>(`/api/v1/omni/journeys/${id}`);
    expect(detail.body.data.history).toHaveLength(1);
    expect(detail.body.data.completedSteps).toBe(1);
    expect((await eventsOf(id)).filter((e) => e.type === "omni.journey.advanced")).toHaveLength(1);
  });
});
