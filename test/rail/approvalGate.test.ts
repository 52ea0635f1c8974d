import { type SQL, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { advanceJourney, createJourney } from "../../src/rail/journeys/actions.js";
import { queuedDeadlines } from "../../src/rail/journeys/deadlineJobs.js";
import type { ApprovalGate } from "../../src/rail/journeys/ports.js";
import type { JourneyDeps } from "../../src/rail/journeys/service.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { railClient, railExamples } from "./railClient.js";
import { railDocExamples } from "./railDocExamples.js";
import { call, docUsers, isoIn, seedUsers } from "./railSupport.js";

let hub: TestHub;
let rail: ReturnType<typeof railClient>;
let tenantId: string;
let keyId: string;
let key: string;
let templateId: string;

/**
 * A gate of ours standing in for the approvals module: approved journeys are the rows of a table
 * this test owns, read by the advancing statement itself.
 */
const testGate: ApprovalGate = {
  approvedSql: (_tenantId: SQL, journeyId: SQL) =>
    sql`EXISTS (SELECT 1 FROM gate_test_approved WHERE journey_id = ${journeyId}::text)`,
  refusal: (stepId) => `Step ${stepId} needs an approved approval for this journey`,
};
const approve = (journeyId: string) =>
  hub.db.execute(sql`INSERT INTO gate_test_approved (journey_id) VALUES (${journeyId})`);

beforeAll(async () => {
  hub = await createTestHub();
  const tenant = await hub.createTenantWithKey("rail-approval-gate", ["omni:read", "omni:write"]);
  ({ tenantId, keyId, key } = tenant);
  rail = railClient(hub, tenant.key);
  templateId = await rail.activeTemplate(railExamples.template);
  await seedUsers(hub, tenantId, docUsers);
  await hub.db.execute(sql`CREATE TABLE gate_test_approved (journey_id text PRIMARY KEY)`);
});
afterAll(() => hub.close());

const testDeps = (): JourneyDeps => ({
  db: hub.db,
  approvals: testGate,
  deadlines: queuedDeadlines(hub.producer, createLogger({ level: "silent", pretty: false })),
});

const toApprovalStep = async (deps: JourneyDeps) => {
  const created = await createJourney(deps, { tenantId, keyId }, { templateId, customerId: "ent_c1" });
  if (!created.ok) throw new Error(created.reason);
  const id = created.journey.row.id;
  for (const step of ["step_kyc", "step_docs"]) {
    const r = await advanceJourney(deps, { tenantId, keyId }, id, {
      completedStepId: step,
      stepOutcome: "passed",
      advancedBy: "usr_rm_001",
    });
    expect(r.ok).toBe(true);
  }
  return id;
};

describe("an approval step", () => {
  it("passes only when the gate's SQL finds an approved approval for this journey", async () => {
    const deps = testDeps();
    const id = await toApprovalStep(deps);
    const other = await toApprovalStep(deps);
    const pass = {
      completedStepId: "step_credit",
      stepOutcome: "passed" as const,
      advancedBy: "usr_credit_001",
    };

    const refused = await advanceJourney(deps, { tenantId, keyId }, id, pass);
    expect(refused).toEqual({ ok: false, reason: "approval_missing", stepId: "step_credit" });

    await approve(other);
    expect((await advanceJourney(deps, { tenantId, keyId }, id, pass)).ok).toBe(false);
    await approve(id);
    const passed = await advanceJourney(deps, { tenantId, keyId }, id, pass);
    expect(passed.ok && passed.journey.row.completedSteps).toBe(3);
  });

  it("can fail without an approval: only passing needs one", async () => {
    const deps = testDeps();
    const id = await toApprovalStep(deps);
    const failed = await advanceJourney(deps, { tenantId, keyId }, id, {
      completedStepId: "step_credit",
      stepOutcome: "failed",
      advancedBy: "usr_credit_001",
    });
    expect(failed.ok && failed.journey.row.currentStepIndex).toBe(2);
  });

  it("over HTTP, passes once an approval requested for the journey is approved, and not before", async () => {
    const id = await rail.newJourney(templateId);
    await rail.advance(id, "step_kyc");
    await rail.advance(id, "step_docs");
    const refused = await rail.advance(id, "step_credit");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/step_credit is an approval step/);

    const requested = await call<{ data: { id: string } }>(hub, key, "POST", "/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      entityId: id,
      expiresAt: isoIn(48),
    });
    expect(requested.status).toBe(201);
    // Requested is not approved: the step still waits.
    expect((await rail.advance(id, "step_credit")).status).toBe(409);
    const approved = await call(
      hub,
      key,
      "POST",
      `/api/v1/omni/approvals/${requested.body.data.id}/approve`,
      {
        approverId: "usr_credit_001",
        comment: "Within appetite",
      },
    );
    expect(approved.status).toBe(200);
    const passed = await rail.advance(id, "step_credit");
    expect(passed.status).toBe(200);
  });
});

describe("a journey on its customer's timeline", () => {
  it("shows the journey's own events and the approvals raised on it, newest first", async () => {
    const customerId = "cus_timeline_journey";
    const id = await rail.newJourney(templateId, { customerId });
    await rail.advance(id, "step_kyc");
    const requested = await call(hub, key, "POST", "/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      entityId: id,
      expiresAt: isoIn(48),
    });
    expect(requested.status).toBe(201);
    const res = await call<{ data: Array<{ eventType: string }> }>(
      hub,
      key,
      "GET",
      `/api/v1/omni/timeline?entityId=${customerId}&entityType=customer`,
    );
    expect(res.status).toBe(200);
    expect(res.body.data.map((e) => e.eventType)).toEqual([
      "approval.requested",
      "journey.advanced",
      "journey.created",
    ]);
  });
});
