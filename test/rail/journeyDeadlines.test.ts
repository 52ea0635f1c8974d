import { QueueEvents } from "bullmq";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "../../queues/connection.js";
import { events, journeys } from "../../src/db/schema/index.js";
import { createLogger } from "../../src/logger.js";
import { markJourneyOverdue, sweepJourneyDeadlines } from "../../src/rail/journeys/deadlines.js";
import { testRedisUrl } from "../support/env.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { startTestWorkers } from "../support/workers.js";
import { railClient, railExamples } from "./railClient.js";
import { docUsers, seedUsers } from "./railSupport.js";

let hub: TestHub;
let rail: ReturnType<typeof railClient>;
let tenantId: string;
let templateId: string;
const hourMs = 3600_000;
const _silent = createLogger({ level: "silent", pretty: false });

beforeAll(async () => {
  hub = await createTestHub();
  const tenant = await hub.createTenantWithKey("rail-deadlines", ["omni:read", "omni:write"]);
  tenantId = tenant.tenantId;
  rail = railClient(hub, tenant.key);
  // step_kyc times out after 48 h; the journey's SLA is 120 h; step_docs has no timeout.
  templateId = await rail.activeTemplate(railExamples.template);
  await seedUsers(hub, tenantId, docUsers);
});
afterAll(() => hub.close());

const rowOf = async (id: string) => {
  const [row] = await hub.db.select().from(journeys).where(eq(journeys.id, id));
  if (!row) throw new Error("no journey");
  return row;
};
const typesOf = async (id: string) =>
  (
    await hub.db
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.tenantId, tenantId), eq(events.subjectId, id)))
      .orderBy(events.occurredAt)
  ).map((e) => e.type);

describe("step timeouts and the SLA", () => {
  it("become delayed jobs with deterministic ids, due when the deadlines stored on the journey fall", async () => {
    const id = await rail.newJourney(templateId);
    const row = await rowOf(id);
    expect(row.stepDueAt?.getTime()).toBe(row.createdAt.getTime() + 48 * hourMs);
    expect(row.slaDueAt?.getTime()).toBe(row.createdAt.getTime() + 120 * hourMs);
    const queue = hub.producer.queues["journey-deadlines"];
    const step = await queue.getJob(`${id}.step.0`);
    const sla = await queue.getJob(`${id}.sla`);
    expect(step?.data).toEqual({ tenantId, journeyId: id });
    expect(step?.opts.delay).toBeGreaterThan(47 * hourMs);
    expect(sla?.opts.delay).toBeGreaterThan(119 * hourMs);
    expect(await queue.getJobState(`${id}.step.0`)).toBe("delayed");
  });

  it("mark the step overdue and the SLA breached once each, with their events", async () => {
    const id = await rail.newJourney(templateId);
    const created = (await rowOf(id)).createdAt.getTime();
    expect(await markJourneyOverdue(hub.db, tenantId, id, new Date(created + 47 * hourMs))).toEqual({
      stepOverdue: false,
      slaBreached: false,
    });
    expect(await markJourneyOverdue(hub.db, tenantId, id, new Date(created + 49 * hourMs))).toEqual({
      stepOverdue: true,
      slaBreached: false,
    });
    expect(await markJourneyOverdue(hub.db, tenantId, id, new Date(created + 50 * hourMs))).toEqual({
      stepOverdue: false,
      slaBreached: false,
    });
    expect(await markJourneyOverdue(hub.db, tenantId, id, new Date(created + 121 * hourMs))).toEqual({
      stepOverdue: false,
      slaBreached: true,
    });
    expect(await typesOf(id)).toEqual([
      "omni.journey.created",
      "omni.journey.step_overdue",
      "omni.journey.sla_breached",
    ]);
    const view = await rail.get<{ currentStep: { status: string }; slaBreached: boolean }>(
      `/api/v1/omni/journeys/${id}`,
    );
    expect(view.body.data).toMatchObject({ currentStep: { status: "overdue" }, slaBreached: true });
  });

  it("are ignored once the step has moved on or the journey is over", async () => {
    const moved = await rail.newJourney(templateId);
    await rail.advance(moved, "step_kyc");
    const created = (await rowOf(moved)).createdAt.getTime();
    expect((await rowOf(moved)).stepDueAt).toBeNull(); // step_docs has no timeout
    expect(await markJourneyOverdue(hub.db, tenantId, moved, new Date(created + 49 * hourMs))).toEqual({
      stepOverdue: false,
      slaBreached: false,
    });
    const cancelled = await rail.newJourney(templateId);
    await rail.act(cancelled, "cancel", railExamples.cancel);
    expect(await markJourneyOverdue(hub.db, tenantId, cancelled, new Date(created + 200 * hourMs))).toEqual({
      stepOverdue: false,
      slaBreached: false,
    });
  });

  it("the journey-deadlines worker marks a journey when its job runs", async () => {
    const id = await rail.newJourney(templateId);
    // The deadline as if 48 hours had passed; the job, run now instead of in 48 hours.
    await hub.db
      .update(journeys)
      .set({ stepDueAt: sql`now() - interval '1 second'` })
      .where(eq(journeys.id, id));
    const queue = hub.producer.queues["journey-deadlines"];
    await queue.remove(`${id}.step.0`);
    const queueEvents = new QueueEvents("journey-deadlines", {
      connection: { url: testRedisUrl },
      prefix: bullPrefix(hub.prefix),
    });
    await queueEvents.waitUntilReady();
    const { connection, pool } = startTestWorkers(hub, { queues: ["journey-deadlines"] });
    try {
      const job = await queue.add(
        "journey-deadlines",
        { tenantId, journeyId: id },
        { jobId: `${id}.step.0` },
      );
      expect(await job.waitUntilFinished(queueEvents)).toEqual({ stepOverdue: true, slaBreached: false });
      expect((await rowOf(id)).stepOverdueAt).not.toBeNull();
    } finally {
      await pool.close();
      await queueEvents.close();
      connection.disconnect();
    }
  });

  it("the sweeper marks, from PostgreSQL alone, journeys whose jobs Redis lost", async () => {
    const id = await rail.newJourney(templateId);
    await hub.producer.queues["journey-deadlines"].remove(`${id}.step.0`);
    await hub.producer.queues["journey-deadlines"].remove(`${id}.sla`);
    const created = (await rowOf(id)).createdAt.getTime();
    expect(await sweepJourneyDeadlines(hub.db, new Date(created + 47 * hourMs))).toBe(0);
    expect(await sweepJourneyDeadlines(hub.db, new Date(created + 49 * hourMs))).toBeGreaterThanOrEqual(1);
    expect((await rowOf(id)).stepOverdueAt).not.toBeNull();
    expect(await typesOf(id)).toContain("omni.journey.step_overdue");
  });
});
