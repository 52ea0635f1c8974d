import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { type Json, railClient, railExamples } from "./railClient.js";
import { docUsers, seedUsers } from "./railSupport.js";

let hub: TestHub;
let rail: ReturnType<typeof railClient>;
let readOnly: ReturnType<typeof railClient>;

type Template = { id: string; status: string; version: number; steps: Array<{ id: string }>; name: string };

beforeAll(async () => {
  hub = await createTestHub();
  const { key, tenantId } = await hub.createTenantWithKey("rail-templates", ["omni:read", "omni:write"]);
  await seedUsers(hub, tenantId, docUsers);
  const reader = await hub.createTenantWithKey("rail-templates-reader", ["omni:read"]);
  rail = railClient(hub, key);
  readOnly = railClient(hub, reader.key);
});
afterAll(() => hub.close());

const withSteps = (steps: unknown[]) => ({ ...railExamples.template, steps });
const kyc = { id: "step_kyc", name: "KYC", type: "kyc_check", order: 1, required: true };

describe("POST /api/v1/omni/templates", () => {
  it("creates the document's example as a draft, version 1, with a generated jtp_ id", async () => {
    const res = await rail.post<Template & Json>("/api/v1/omni/templates", railExamples.template);
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "SME Onboarding",
      description: "End-to-end onboarding journey for SME customers",
      category: "onboarding",
      status: "draft",
      version: 1,
      estimatedDurationDays: 5,
      slaHours: 120,
      steps: railExamples.template.steps,
    });
    expect(res.body.data.id).toMatch(/^jtp_[0-9a-f]{32}$/);
  });

  it("takes the tenant's own id, once", async () => {
    const body = { ...railExamples.template, id: "tmpl_once" };
    expect((await rail.post("/api/v1/omni/templates", body)).status).toBe(201);
    const again = await rail.post("/api/v1/omni/templates", body);
    expect(again.status).toBe(409);
    expect(again.body.error.fields).toEqual({ id: "already taken" });
  });

  it.each([
    ["a repeated step id", [kyc, { ...kyc, order: 2 }], "steps.1.id"],
    ["a gap in the orders", [kyc, { ...kyc, id: "b", order: 3 }], "steps.1.order"],
    ["a repeated order", [kyc, { ...kyc, id: "b" }], "steps.1.order"],
    ["an unknown step type", [{ ...kyc, type: "teleport" }], "steps.0.type"],
    [
      "a document_upload without documentsRequired",
      [{ ...kyc, type: "document_upload" }],
      "steps.0.documentsRequired",
    ],
    [
      "an approval without approvalRoleRequired",
      [{ ...kyc, type: "approval" }],
      "steps.0.approvalRoleRequired",
    ],
    ["documentsRequired on a kyc_check", [{ ...kyc, documentsRequired: ["x"] }], "steps.0.documentsRequired"],
    [
      "approvalRoleRequired on a kyc_check",
      [{ ...kyc, approvalRoleRequired: "x" }],
      "steps.0.approvalRoleRequired",
    ],
    ["timeoutHours of zero", [{ ...kyc, timeoutHours: 0 }], "steps.0.timeoutHours"],
    ["no steps", [], "steps"],
  ])("refuses %s with a 400 naming the field", async (_name, steps, field) => {
    const res = await rail.post("/api/v1/omni/templates", withSteps(steps));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(Object.keys(res.body.error.fields ?? {})).toContain(field);
  });

  it("needs omni:write", async () => {
    const res = await readOnly.post("/api/v1/omni/templates", railExamples.template);
    expect(res.status).toBe(403);
  });
});

describe("template status and versions", () => {
  it("moves draft → active → archived and refuses every other move with a 409 saying what is allowed", async () => {
    const made = await rail.post<Template>("/api/v1/omni/templates", railExamples.template);
    const id = made.body.data.id;
    const archiveDraft = await rail.post(`/api/v1/omni/templates/${id}/status`, { status: "archived" });
    expect(archiveDraft.status).toBe(409);
    expect(archiveDraft.body.error.message).toBe(
      "Cannot make a draft template archived: a draft template may become active",
    );
    expect(
      (await rail.post<Template>(`/api/v1/omni/templates/${id}/status`, { status: "active" })).body.data
        .status,
    ).toBe("active");
    const again = await rail.post(`/api/v1/omni/templates/${id}/status`, { status: "active" });
    expect(again.status).toBe(409);
    expect(
      (await rail.post<Template>(`/api/v1/omni/templates/${id}/status`, { status: "archived" })).body.data
        .status,
    ).toBe("archived");
    const back = await rail.post(`/api/v1/omni/templates/${id}/status`, { status: "active" });
    expect(back.status).toBe(409);
    expect(back.body.error.message).toContain("archived is final");
    const edit = await rail.call("PUT", `/api/v1/omni/templates/${id}`, railExamples.template);
    expect(edit.status).toBe(409);
  });

  it("edits a draft in place and an active template into a new version", async () => {
    const made = await rail.post<Template>("/api/v1/omni/templates", railExamples.template);
    const id = made.body.data.id;
    const draftEdit = await rail.call<{ data: Template }>("PUT", `/api/v1/omni/templates/${id}`, {
      ...railExamples.template,
      name: "SME Onboarding v1",
    });
    expect(draftEdit.body.data).toMatchObject({ version: 1, name: "SME Onboarding v1" });
    await rail.post(`/api/v1/omni/templates/${id}/status`, { status: "active" });
    const activeEdit = await rail.call<{ data: Template }>("PUT", `/api/v1/omni/templates/${id}`, {
      ...railExamples.template,
      name: "SME Onboarding v2",
    });
    expect(activeEdit.body.data).toMatchObject({ version: 2, name: "SME Onboarding v2", status: "active" });
    expect((await rail.get<Template>(`/api/v1/omni/templates/${id}`)).body.data.version).toBe(2);
  });

  it("keeps a running journey on the version it started on", async () => {
    const id = await rail.activeTemplate(railExamples.template);
    const journeyId = await rail.newJourney(id);
    await rail.call("PUT", `/api/v1/omni/templates/${id}`, {
      ...railExamples.template,
      steps: [{ id: "step_new", name: "New first step", type: "review", order: 1, required: true }],
    });
    const old = await rail.get<{ templateVersion: number; totalSteps: number; currentStep: { id: string } }>(
      `/api/v1/omni/journeys/${journeyId}`,
    );
    expect(old.body.data).toMatchObject({
      templateVersion: 1,
      totalSteps: 3,
      currentStep: { id: "step_kyc" },
    });
    expect((await rail.advance(journeyId, "step_kyc")).status).toBe(200);
    const fresh = await rail.get<{
      templateVersion: number;
      totalSteps: number;
      currentStep: { id: string };
    }>(`/api/v1/omni/journeys/${await rail.newJourney(id)}`);
    expect(fresh.body.data).toMatchObject({
      templateVersion: 2,
      totalSteps: 1,
      currentStep: { id: "step_new" },
    });
  });
});

describe("GET /api/v1/omni/templates", () => {
  it("filters by category and status", async () => {
    const { key } = await hub.createTenantWithKey("rail-templates-list", ["omni:read", "omni:write"]);
    const own = railClient(hub, key);
    await own.activeTemplate({ ...railExamples.template, id: "tmpl_a" });
    await own.post("/api/v1/omni/templates", { ...railExamples.template, id: "tmpl_b", category: "sales" });
    const ids = async (query: string) =>
      (await own.get<Template[]>(`/api/v1/omni/templates${query}`)).body.data.map((t) => t.id);
    expect(await ids("")).toEqual(["tmpl_a", "tmpl_b"]);
    expect(await ids("?status=active")).toEqual(["tmpl_a"]);
    expect(await ids("?category=sales")).toEqual(["tmpl_b"]);
    expect(await ids("?category=servicing")).toEqual([]);
    const bad = await own.get("/api/v1/omni/templates?status=gone");
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields ?? {})).toEqual(["status"]);
  });

  it("answers another tenant's template with 404", async () => {
    const id = await rail.activeTemplate(railExamples.template);
    const { key } = await hub.createTenantWithKey("rail-templates-other", ["omni:read"]);
    expect((await railClient(hub, key).get(`/api/v1/omni/templates/${id}`)).status).toBe(404);
  });
});
