import { QueueEvents } from "bullmq";
import { and, count, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bullPrefix } from "../queues/connection.js";
import { scheduleRecurringJobs } from "../queues/schedules.js";
import { rowsOf } from "../src/db/client.js";
import { customers, events, slaPolicies, type TicketRow, tickets } from "../src/db/schema/index.js";
import { eventTypes } from "../src/events/catalog.js";
import { recordEvent } from "../src/events/writer.js";
import { newId } from "../src/ids.js";
import { breachCandidates, scanSlaBreaches } from "../src/sla/breachScan.js";
import { alwaysOpen } from "../src/sla/calendar.js";
import type { StatusTransition } from "../src/sla/clock.js";
import {
  getBusinessCalendar,
  loadStatusHistory,
  refreshTicketSla,
  resolveSlaPolicy,
} from "../src/sla/service.js";
import { saveWorkingHours, upsertSlaRules } from "../src/sla/settings.js";
import { createTenant } from "../src/tenants/service.js";
import type { Priority, ServiceType, TicketStatus } from "../src/tickets/vocabulary.js";
import { testRedisUrl } from "./support/env.js";
import { createTestHub, type TestHub } from "./support/testHub.js";
import { startTestWorkers } from "./support/workers.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

const at = (iso: string) => new Date(iso);
const system = { type: "system" } as const;

async function tenantWithCustomer(slug: string) {
  const created = await createTenant(hub.db, { slug, name: slug }, system);
  if (!created.ok) throw new Error(`tenant ${slug} not created`);
  const customerId = newId("customer");
  await hub.db.insert(customers).values({ id: customerId, tenantId: created.tenant.id, name: "Jane Smith" });
  return { tenantId: created.tenant.id, customerId };
}

type Step = { at: Date; status?: TicketStatus; reply?: true };

/**
 * A ticket taken through its life the way the ticket service does it: each change, its event and
 * refreshTicketSla in one transaction, at the time it happened.
 */
async function seedTicket(
  owner: { tenantId: string; customerId: string },
  options: { createdAt: Date; serviceType?: ServiceType; priority?: Priority; steps?: Step[] },
): Promise<string> {
  const { tenantId } = owner;
  const id = newId("ticket");
  const subject = { type: "ticket", id };
  await hub.db.transaction(async (tx) => {
    await tx.insert(tickets).values({
      id,
      tenantId,
      customerId: owner.customerId,
      channel: "WHATSAPP",
      serviceType: options.serviceType ?? "TECHNICAL_SUPPORT",
      priority: options.priority ?? "HIGH",
      title: "Mobile Banking Login Issue",
      description: "Unable to login",
      createdAt: options.createdAt,
      updatedAt: options.createdAt,
    });
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.ticketCreated,
      subject,
      actor: system,
      occurredAt: options.createdAt,
      payload: { status: "OPEN" },
    });
    await refreshTicketSla(hub.db, tx, tenantId, id, options.createdAt);
  });
  let status: TicketStatus = "OPEN";
  for (const step of options.steps ?? []) {
    await hub.db.transaction(async (tx) => {
      if (step.reply) await tx.update(tickets).set({ firstResponseAt: step.at }).where(eq(tickets.id, id));
      if (step.status) {
        const resolvedAt = step.status === "RESOLVED" ? step.at : status === "RESOLVED" ? null : undefined;
        await tx
          .update(tickets)
          .set({ status: step.status, ...(resolvedAt !== undefined ? { resolvedAt } : {}) })
          .where(eq(tickets.id, id));
        await recordEvent(tx, {
          tenantId,
          type: eventTypes.statusChanged,
          subject,
          actor: system,
          occurredAt: step.at,
          payload: { oldStatus: status, newStatus: step.status, assignedTo: null },
        });
        status = step.status;
      }
      await refreshTicketSla(hub.db, tx, tenantId, id, step.at);
    });
  }
  return id;
}

async function ticket(id: string): Promise<TicketRow> {
  const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, id));
  if (!row) throw new Error(`no ticket ${id}`);
  return row;
}

async function breachEvents(ticketId: string) {
  return hub.db
    .select()
    .from(events)
    .where(and(eq(events.subjectId, ticketId), eq(events.type, eventTypes.slaBreached)));
}

/** A STATUS_CHANGED event no ticket service would write: its newStatus is not a status. */
function writeBrokenStatusEvent(tenantId: string, ticketId: string): Promise<string> {
  return hub.db.transaction((tx) =>
    recordEvent(tx, {
      tenantId,
      type: eventTypes.statusChanged,
      subject: { type: "ticket", id: ticketId },
      actor: system,
      payload: { newStatus: "SLEEPING" },
    }),
  );
}

describe("policy resolution", () => {
  it("takes the tenant's rule for the service type, then its rule for any service type, then the default", async () => {
    const bank = await tenantWithCustomer("policy-bank");
    const other = await tenantWithCustomer("policy-other");
    await upsertSlaRules(hub.db, bank.tenantId, [
      { serviceType: "TECHNICAL_SUPPORT", priority: "HIGH", responseMinutes: 60, resolutionMinutes: 240 },
      { serviceType: null, priority: "HIGH", responseMinutes: 180, resolutionMinutes: 600 },
    ]);
    const resolve = (tenantId: string, st: ServiceType, p: Priority) =>
      resolveSlaPolicy(hub.db, tenantId, st, p);
    expect(await resolve(bank.tenantId, "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseMinutes: 60,
      resolutionMinutes: 240,
      source: "tenant",
    });
    expect(await resolve(bank.tenantId, "CLAIM", "HIGH")).toMatchObject({
      responseMinutes: 180,
      resolutionMinutes: 600,
      source: "tenant_any_service_type",
    });
    expect(await resolve(bank.tenantId, "CLAIM", "LOW")).toMatchObject({
      responseMinutes: 24 * 60,
      resolutionMinutes: 72 * 60,
      source: "built_in",
    });
    // Another tenant's rules are not ours.
    expect(await resolve(other.tenantId, "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseMinutes: 6 * 60,
      resolutionMinutes: 24 * 60,
      source: "built_in",
    });
  });

  it("replaces a rule rather than adding a second one, also for 'any service type'", async () => {
    const bank = await tenantWithCustomer("policy-upsert");
    const rule = {
      serviceType: null,
      priority: "LOW" as const,
      responseMinutes: 100,
      resolutionMinutes: 200,
    };
    await upsertSlaRules(hub.db, bank.tenantId, [rule]);
    await upsertSlaRules(hub.db, bank.tenantId, [{ ...rule, responseMinutes: 110 }]);
    const rows = await hub.db.select().from(slaPolicies).where(eq(slaPolicies.tenantId, bank.tenantId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ serviceType: null, responseMinutes: 110, resolutionMinutes: 200 });
  });

  it("reads the tenant's calendar, or every hour of every day without one", async () => {
    const bank = await tenantWithCustomer("calendar-bank");
    expect(await getBusinessCalendar(hub.db, bank.tenantId)).toEqual(alwaysOpen);
    const hours = {
      timezone: "Asia/Makassar",
      workingDays: [1, 2, 3, 4, 5],
      dayStartMinute: 480,
      dayEndMinute: 1020,
      holidays: ["2024-12-25"],
    };
    await saveWorkingHours(hub.db, bank.tenantId, hours);
    expect(await getBusinessCalendar(hub.db, bank.tenantId)).toEqual({ kind: "working_hours", ...hours });
  });
});

describe("the status history", () => {
  it("is rebuilt from the events, including those of the transaction still open", async () => {
    const bank = await tenantWithCustomer("history-bank");
    const id = await seedTicket(bank, {
      createdAt: at("2024-12-19T10:30:00Z"),
      steps: [{ at: at("2024-12-19T11:00:00Z"), status: "IN_PROGRESS" }],
    });
    let seenInside: StatusTransition[] = [];
    const rollback = hub.db.transaction(async (tx) => {
      await recordEvent(tx, {
        tenantId: bank.tenantId,
        type: eventTypes.statusChanged,
        subject: { type: "ticket", id },
        actor: system,
        occurredAt: at("2024-12-19T12:00:00Z"),
        payload: { oldStatus: "IN_PROGRESS", newStatus: "PENDING", assignedTo: null },
      });
      seenInside = await loadStatusHistory(tx, bank.tenantId, id);
      throw new Error("roll back");
    });
    await expect(rollback).rejects.toThrow("roll back");
    expect(seenInside).toEqual([
      { at: at("2024-12-19T10:30:00Z"), status: "OPEN" },
      { at: at("2024-12-19T11:00:00Z"), status: "IN_PROGRESS" },
      { at: at("2024-12-19T12:00:00Z"), status: "PENDING" },
    ]);
    expect(await loadStatusHistory(hub.db, bank.tenantId, id)).toHaveLength(2);
    // Another tenant asking for this ticket gets nothing.
    const other = await tenantWithCustomer("history-other");
    expect(await loadStatusHistory(hub.db, other.tenantId, id)).toEqual([]);
  });

  it("refuses a STATUS_CHANGED event without a valid newStatus rather than guess", async () => {
    const bank = await tenantWithCustomer("history-broken");
    const id = await seedTicket(bank, { createdAt: at("2024-12-19T10:30:00Z") });
    const eventId = await writeBrokenStatusEvent(bank.tenantId, id);
    await expect(loadStatusHistory(hub.db, bank.tenantId, id)).rejects.toThrow(`event ${eventId}`);
    await hub.db.delete(events).where(eq(events.id, eventId));
  });
});

describe("refreshTicketSla", () => {
  it("stores the document's deadlines when the ticket is created", async () => {
    const bank = await tenantWithCustomer("refresh-doc");
    const technical = await ticket(await seedTicket(bank, { createdAt: at("2024-12-19T10:30:00Z") }));
    expect(technical).toMatchObject({
      responseDueAt: at("2024-12-19T16:30:00Z"),
      resolutionDueAt: at("2024-12-20T10:30:00Z"),
      slaPaused: false,
      responseBreachedAt: null,
      resolutionBreachedAt: null,
    });
    const claim = await ticket(
      await seedTicket(bank, {
        createdAt: at("2024-12-19T10:30:00Z"),
        serviceType: "CLAIM",
        priority: "MEDIUM",
      }),
    );
    expect(claim.resolutionDueAt).toEqual(at("2024-12-22T10:30:00Z"));
  });

  it("pauses with PENDING and moves the deadlines by the paused time when work resumes", async () => {
    const bank = await tenantWithCustomer("refresh-pause");
    const id = await seedTicket(bank, {
      createdAt: at("2024-12-19T10:30:00Z"),
      steps: [{ at: at("2024-12-19T12:30:00Z"), status: "PENDING" }],
    });
    expect(await ticket(id)).toMatchObject({ slaPaused: true, responseDueAt: at("2024-12-19T16:30:00Z") });
    await hub.db.transaction(async (tx) => {
      await tx.update(tickets).set({ status: "IN_PROGRESS" }).where(eq(tickets.id, id));
      await recordEvent(tx, {
        tenantId: bank.tenantId,
        type: eventTypes.statusChanged,
        subject: { type: "ticket", id },
        actor: system,
        occurredAt: at("2024-12-19T15:30:00Z"),
        payload: { oldStatus: "PENDING", newStatus: "IN_PROGRESS", assignedTo: null },
      });
      await refreshTicketSla(hub.db, tx, bank.tenantId, id, at("2024-12-19T15:30:00Z"));
    });
    expect(await ticket(id)).toMatchObject({
      slaPaused: false,
      responseDueAt: at("2024-12-19T19:30:00Z"),
      resolutionDueAt: at("2024-12-20T13:30:00Z"),
    });
  });

  it("uses the tenant's policy and business calendar", async () => {
    const bank = await tenantWithCustomer("refresh-calendar");
    await upsertSlaRules(hub.db, bank.tenantId, [
      { serviceType: "TECHNICAL_SUPPORT", priority: "HIGH", responseMinutes: 60, resolutionMinutes: 600 },
    ]);
    await saveWorkingHours(hub.db, bank.tenantId, {
      timezone: "Asia/Makassar",
      workingDays: [1, 2, 3, 4, 5],
      dayStartMinute: 8 * 60,
      dayEndMinute: 17 * 60,
      holidays: [],
    });
    // Thursday 16:30 WITA: half an hour that day, the rest from Friday 08:00.
    const row = await ticket(await seedTicket(bank, { createdAt: at("2024-12-19T08:30:00Z") }));
    expect(row.responseDueAt).toEqual(at("2024-12-20T00:30:00Z"));
    expect(row.resolutionDueAt).toEqual(at("2024-12-23T00:30:00Z")); // 0.5 h Thu + 9 h Fri + 0.5 h Mon
  });

  it("marks a breach the scan has not seen yet, once, when a late first reply arrives", async () => {
    const bank = await tenantWithCustomer("refresh-late-reply");
    const id = await seedTicket(bank, {
      createdAt: at("2024-12-19T10:30:00Z"),
      steps: [{ at: at("2024-12-19T17:00:00Z"), reply: true }],
    });
    expect(await ticket(id)).toMatchObject({ responseBreachedAt: at("2024-12-19T16:30:00Z") });
    const [event, ...more] = await breachEvents(id);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      subjectType: "ticket",
      actorType: "system",
      payload: {
        ticketNumber: String((await ticket(id)).number),
        kind: "response",
        deadline: "2024-12-19T16:30:00.000Z",
      },
    });
    await scanSlaBreaches(hub.db, at("2024-12-19T18:00:00Z"));
    expect(await breachEvents(id)).toHaveLength(1);
  });
});

describe("the breach scan", () => {
  const created = at("2024-12-19T10:30:00Z");
  const now = at("2024-12-20T12:00:00Z");
  const ids: Record<string, string> = {};

  let bank: { tenantId: string; customerId: string };

  beforeAll(async () => {
    bank = await tenantWithCustomer("scan-bank");
    const step = (iso: string, extra: Omit<Step, "at">): Step => ({ at: at(iso), ...extra });
    ids.lateResolution = await seedTicket(bank, {
      createdAt: created,
      steps: [step("2024-12-19T11:30:00Z", { reply: true, status: "IN_PROGRESS" })],
    });
    ids.noReply = await seedTicket(bank, { createdAt: created });
    ids.waiting = await seedTicket(bank, {
      createdAt: created,
      steps: [step("2024-12-19T11:00:00Z", { reply: true, status: "PENDING" })],
    });
    ids.waitedThenResumed = await seedTicket(bank, {
      createdAt: created,
      steps: [
        step("2024-12-19T11:00:00Z", { reply: true, status: "PENDING" }),
        step("2024-12-20T08:00:00Z", { status: "IN_PROGRESS" }),
      ],
    });
    ids.claim = await seedTicket(bank, {
      createdAt: created,
      serviceType: "CLAIM",
      steps: [step("2024-12-19T11:00:00Z", { reply: true })],
    });
    ids.cancelled = await seedTicket(bank, {
      createdAt: created,
      steps: [step("2024-12-19T12:00:00Z", { status: "CANCELLED" })],
    });
    // As if a naive clock had ignored the pause: the scan must not trust the stored date.
    await hub.db
      .update(tickets)
      .set({ resolutionDueAt: at("2024-12-20T10:30:00Z") })
      .where(eq(tickets.id, ids.waitedThenResumed));
  });

  it("marks each real breach once and records one SLA_BREACHED event for it", async () => {
    const result = await scanSlaBreaches(hub.db, now);
    const ours = new Set(Object.values(ids));
    const marked = result.breaches.filter((b) => ours.has(b.ticketId)).map((b) => `${b.ticketId}/${b.kind}`);
    expect(new Set(marked)).toEqual(
      new Set([`${ids.lateResolution}/resolution`, `${ids.noReply}/response`, `${ids.noReply}/resolution`]),
    );

    const late = await ticket(ids.lateResolution ?? "");
    expect(late).toMatchObject({
      responseBreachedAt: null,
      resolutionBreachedAt: at("2024-12-20T10:30:00Z"),
    });
    const events = await breachEvents(late.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      tenantId: late.tenantId,
      type: "SLA_BREACHED",
      subjectType: "ticket",
      subjectId: late.id,
      actorType: "system",
      occurredAt: now,
      payload: {
        ticketNumber: String(late.number),
        channelReferenceId: null,
        kind: "resolution",
        deadline: "2024-12-20T10:30:00.000Z",
      },
    });

    const silent = await ticket(ids.noReply ?? "");
    expect(silent).toMatchObject({
      responseBreachedAt: at("2024-12-19T16:30:00Z"),
      resolutionBreachedAt: at("2024-12-20T10:30:00Z"),
    });
    expect((await breachEvents(silent.id)).map((e) => e.payload.kind).sort()).toEqual([
      "resolution",
      "response",
    ]);
  });

  it("does not breach time spent waiting on the customer, and corrects a stale stored due date", async () => {
    for (const id of [ids.waiting, ids.waitedThenResumed, ids.claim, ids.cancelled]) {
      const row = await ticket(id ?? "");
      expect(row).toMatchObject({ responseBreachedAt: null, resolutionBreachedAt: null });
      expect(await breachEvents(row.id)).toEqual([]);
    }
    expect(await ticket(ids.waiting ?? "")).toMatchObject({ slaPaused: true });
    // 30 min before the pause, so 23.5 h left from 20 Dec 08:00.
    expect((await ticket(ids.waitedThenResumed ?? "")).resolutionDueAt).toEqual(at("2024-12-21T07:30:00Z"));
  });

  it("a second scan adds nothing", async () => {
    const [before] = await hub.db
      .select({ n: count() })
      .from(events)
      .where(eq(events.type, eventTypes.slaBreached));
    const again = await scanSlaBreaches(hub.db, now);
    expect(again.breaches).toEqual([]);
    const [after] = await hub.db
      .select({ n: count() })
      .from(events)
      .where(eq(events.type, eventTypes.slaBreached));
    expect(after?.n).toBe(before?.n);
  });

  it("a status change after the scan does not mark the breach again", async () => {
    const id = ids.noReply ?? "";
    const refreshed = await hub.db.transaction(async (tx) => {
      await tx.update(tickets).set({ status: "IN_PROGRESS" }).where(eq(tickets.id, id));
      await recordEvent(tx, {
        tenantId: bank.tenantId,
        type: eventTypes.statusChanged,
        subject: { type: "ticket", id },
        actor: system,
        occurredAt: now,
        payload: { oldStatus: "OPEN", newStatus: "IN_PROGRESS", assignedTo: null },
      });
      return refreshTicketSla(hub.db, tx, bank.tenantId, id, now);
    });
    expect(refreshed.sla).toMatchObject({ responseBreached: true, resolutionBreached: true });
    expect(refreshed.breached).toEqual([]);
    expect(await breachEvents(id)).toHaveLength(2);
    expect(await ticket(id)).toMatchObject({ responseBreachedAt: at("2024-12-19T16:30:00Z") });
  });

  it("catches later deadlines on later runs, but never a ticket that still waits on the customer", async () => {
    const result = await scanSlaBreaches(hub.db, at("2024-12-23T00:00:00Z"));
    expect(result.breaches).toEqual(
      expect.arrayContaining([
        { ticketId: ids.claim, kind: "resolution" },
        { ticketId: ids.waitedThenResumed, kind: "resolution" },
      ]),
    );
    expect(result.breaches.map((b) => b.ticketId)).not.toContain(ids.waiting);
    expect(result.breaches.map((b) => b.ticketId)).not.toContain(ids.cancelled);
  });

  it("leaves a ticket another transaction holds to that transaction, and takes it on the next run", async () => {
    const bank = await tenantWithCustomer("scan-locked");
    const id = await seedTicket(bank, { createdAt: created });
    await hub.db.transaction(async (tx) => {
      await tx.select().from(tickets).where(eq(tickets.id, id)).for("update");
      const whileLocked = await scanSlaBreaches(hub.db, now);
      expect(whileLocked.breaches.map((b) => b.ticketId)).not.toContain(id);
    });
    expect(await breachEvents(id)).toEqual([]);
    const afterwards = await scanSlaBreaches(hub.db, now);
    expect(afterwards.breaches.filter((b) => b.ticketId === id)).toHaveLength(2);
  });

  it("a ticket that fails does not stop the others; the run then fails", async () => {
    const bank = await tenantWithCustomer("scan-poisoned");
    const broken = await seedTicket(bank, { createdAt: created });
    const fine = await seedTicket(bank, { createdAt: created });
    const eventId = await writeBrokenStatusEvent(bank.tenantId, broken);
    await expect(scanSlaBreaches(hub.db, now)).rejects.toThrow(AggregateError);
    expect(await breachEvents(fine)).toHaveLength(2);
    expect(await breachEvents(broken)).toEqual([]);
    await hub.db.delete(events).where(eq(events.id, eventId));
    expect((await scanSlaBreaches(hub.db, now)).breaches.filter((b) => b.ticketId === broken)).toHaveLength(
      2,
    );
  });

  it("examines at most one batch per run", async () => {
    const bank = await tenantWithCustomer("scan-batch");
    for (let i = 0; i < 3; i++) await seedTicket(bank, { createdAt: created });
    const first = await scanSlaBreaches(hub.db, now, { batchSize: 2 });
    expect(first.examined).toBe(2);
    const second = await scanSlaBreaches(hub.db, now, { batchSize: 2 });
    expect(second.examined).toBe(1);
  });
});

describe("the breach scan at scale", () => {
  type PlanNode = {
    "Node Type": string;
    "Index Name"?: string;
    "Actual Rows"?: number;
    "Rows Removed by Filter"?: number;
    Plans?: PlanNode[];
  };
  const scans = (node: PlanNode): PlanNode[] => [
    ...(node["Node Type"].includes("Scan") ? [node] : []),
    ...(node.Plans ?? []).flatMap(scans),
  ];

  it("reads its candidates from its indexes alone: tickets waiting on their customer are not in them", async () => {
    const bank = await tenantWithCustomer("scan-paused");
    const created = at("2024-12-19T10:30:00Z");
    const waiting: string[] = [];
    for (let n = 0; n < 12; n++) {
      const steps: Step[] = [{ at: at("2024-12-19T11:00:00Z"), status: "PENDING" }];
      waiting.push(await seedTicket(bank, { createdAt: created, steps }));
    }
    const later = at("2025-01-10T00:00:00Z");
    // Asked for plans with sequential scans off, as a table of a million would make the planner choose.
    const plans = await hub.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL enable_seqscan = off`);
      const explained = [];
      for (const query of breachCandidates(hub.db, later, 200)) {
        const result = await tx.execute(sql`EXPLAIN (ANALYZE, FORMAT JSON) ${query.getSQL()}`);
        explained.push(
          rowsOf<{ "QUERY PLAN": Array<{ Plan: PlanNode }> }>(result)[0]?.["QUERY PLAN"][0]?.Plan as PlanNode,
        );
      }
      return explained;
    });
    const [late, overdue] = plans.map((plan) => scans(plan));
    expect(late?.map((n) => n["Index Name"])).toEqual(["tickets_sla_response_idx"]);
    expect(overdue?.map((n) => n["Index Name"])).toEqual(["tickets_sla_open_idx"]);
    for (const node of [...(late ?? []), ...(overdue ?? [])])
      expect(node["Rows Removed by Filter"] ?? 0).toBe(0);
    const result = await scanSlaBreaches(hub.db, later);
    const marked = new Set(result.breaches.map((b) => b.ticketId));
    expect(waiting.filter((id) => marked.has(id))).toEqual([]);
  });
});

describe("the sla-breach-scan queue", () => {
  it("is scheduled at the configured interval and its worker marks breaches", async () => {
    await scheduleRecurringJobs(hub.producer, { outboxRelayIntervalMs: 60_000, slaScanIntervalMs: 45_000 });
    const queue = hub.producer.queues["sla-breach-scan"];
    try {
      expect(await queue.getJobScheduler("sla-breach-scan-tick")).toMatchObject({ every: 45_000 });
    } finally {
      await queue.removeJobScheduler("sla-breach-scan-tick");
      await hub.producer.queues["outbox-relay"].removeJobScheduler("outbox-relay-tick");
    }
    await queue.obliterate({ force: true });

    // The worker scans at the real time: a ticket created 30 hours ago without a reply is late twice.
    const bank = await tenantWithCustomer("scan-worker");
    const id = await seedTicket(bank, { createdAt: new Date(Date.now() - 30 * 3600_000) });
    const queueEvents = new QueueEvents("sla-breach-scan", {
      connection: { url: testRedisUrl },
      prefix: bullPrefix(hub.prefix),
    });
    await queueEvents.waitUntilReady();
    const { connection, pool } = startTestWorkers(hub, { queues: ["sla-breach-scan"] });
    try {
      const job = await queue.getJob(await hub.producer.enqueue("sla-breach-scan", {}));
      if (!job) throw new Error("no job");
      expect(await job.waitUntilFinished(queueEvents)).toMatchObject({ breached: expect.any(Number) });
      const row = await ticket(id);
      expect(row.responseBreachedAt).not.toBeNull();
      expect(row.resolutionBreachedAt).not.toBeNull();
      expect(await breachEvents(id)).toHaveLength(2);
    } finally {
      await pool.close();
      await queueEvents.close();
      connection.disconnect();
    }
  });
});
