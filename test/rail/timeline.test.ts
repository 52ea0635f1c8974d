import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events } from "../../src/db/schema/index.js";
import { docExamples, type Partner, partnerOf } from "../support/serviceDesk.js";
import { createTestHub, type TestHub } from "../support/testHub.js";
import { railDocExamples } from "./railDocExamples.js";
import { call, docUsers, isoIn, type Problem, seedUsers } from "./railSupport.js";

type Entry = {
  id: string;
  timestamp: string;
  eventType: string;
  actorId?: string;
  actorName?: string;
  channel?: string;
  summary: string;
  metadata: Record<string, unknown>;
};
type Page = { data: Entry[]; pagination: { page: number; perPage: number; total: number } };

let hub: TestHub;
let bank: Partner;
let customerId: string;
let ticketNumber: string;
const scopes = ["omnichannel:create", "omnichannel:read", "omnichannel:update", "omni:read", "omni:write"];
const timeline = (q: string) => call<Page & Problem>(hub, bank.key, "GET", `/api/v1/omni/timeline?${q}`);

beforeAll(async () => {
  hub = await createTestHub();
  bank = await partnerOf(hub, "timeline-bank", scopes);
  await seedUsers(hub, bank.tenantId, docUsers);
  const created = await bank.post("/api/omnichannel/tickets", docExamples.ticket);
  expect(created.status).toBe(201);
  ticketNumber = created.body.ticketNumber as string;
  const [event] = await hub.db
    .select()
    .from(events)
    .where(and(eq(events.tenantId, bank.tenantId), eq(events.type, "TICKET_CREATED")));
  customerId = String(event?.payload.customerId);
  expect(customerId).toMatch(/^cus_/);
  await bank.patch(`/api/omnichannel/tickets/${ticketNumber}`, docExamples.addComment);
});
afterAll(async () => {
  await hub.close();
});

describe("GET /api/v1/omni/timeline", () => {
  it("answers the document's example query with the documented shape", async () => {
    const res = await timeline("entityId=ent_customer_456&entityType=customer&perPage=50");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: [], pagination: { page: 1, perPage: 50, total: 0 } });
  });

  it("shows a customer's tickets and approvals, newest first, with the acting user's name", async () => {
    const approval = await call<{ data: { id: string } }>(hub, bank.key, "POST", "/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      entityType: "customer",
      entityId: customerId,
      expiresAt: isoIn(24),
    });
    expect(approval.status).toBe(201);
    const res = await timeline(`entityId=${customerId}&entityType=customer`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((e) => e.eventType)).toEqual([
      "approval.requested",
      "COMMENT_ADDED",
      "TICKET_CREATED",
      "customer.created",
    ]);
    expect(res.body.pagination).toEqual({ page: 1, perPage: 50, total: 4 });
    const [requested, comment, ticket] = res.body.data;
    expect(requested).toMatchObject({
      actorId: "usr_rm_001",
      actorName: "Ahmed Al-Rashidi",
      summary: "Approval requested: credit committee",
      metadata: { approvalId: approval.body.data.id, entityType: "customer" },
    });
    expect(requested?.id).toMatch(/^evt_/);
    expect(ticket).toMatchObject({ channel: "WHATSAPP", summary: `Ticket created: ${ticketNumber}` });
    expect(ticket?.actorName).toBeUndefined();
    expect(comment?.metadata.ticketNumber).toBe(ticketNumber);
    const stamps = res.body.data.map((e) => e.timestamp);
    expect([...stamps].sort().reverse()).toEqual(stamps);
  });

  it("filters by event types (either name form), dates and pages", async () => {
    const q = `entityId=${customerId}&entityType=customer`;
    const types = async (extra: string) =>
      (await timeline(`${q}&${extra}`)).body.data.map((e) => e.eventType);
    expect(await types("eventTypes=TICKET_CREATED,approval.requested")).toEqual([
      "approval.requested",
      "TICKET_CREATED",
    ]);
    expect(await types("eventTypes=omni.approval.requested")).toEqual(["approval.requested"]);
    expect(await types(`fromDate=${isoIn(1)}`)).toEqual([]);
    expect(await types(`toDate=${isoIn(-1)}`)).toEqual([]);
    expect((await types(`fromDate=${isoIn(-1)}&toDate=${isoIn(1)}`)).length).toBe(4);
    const page = await timeline(`${q}&perPage=1&page=2`);
    expect(page.body.data.map((e) => e.eventType)).toEqual(["COMMENT_ADDED"]);
    expect(page.body.pagination).toEqual({ page: 2, perPage: 1, total: 4 });
  });

  it("shows a journey's approvals on the journey's timeline", async () => {
    const approval = await call<{ data: { id: string } }>(hub, bank.key, "POST", "/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      entityId: "jrn_timeline",
      expiresAt: isoIn(24),
    });
    await call(hub, bank.key, "POST", `/api/v1/omni/approvals/${approval.body.data.id}/approve`, {
      approverId: "usr_credit_001",
    });
    const res = await timeline("entityId=jrn_timeline&entityType=journey");
    expect(res.body.data.map((e) => [e.eventType, e.actorName])).toEqual([
      ["approval.approved", "Fatima Credit"],
      ["approval.requested", "Ahmed Al-Rashidi"],
    ]);
    const own = await timeline(`entityId=${approval.body.data.id}&entityType=approval`);
    expect(own.body.pagination.total).toBe(2);
  });

  it("rejects missing entity fields, a perPage over 200 and bad dates, naming the field", async () => {
    const cases: Array<[string, string]> = [
      ["entityType=customer", "entityId"],
      ["entityId=x", "entityType"],
      ["entityId=x&entityType=planet", "entityType"],
      ["entityId=x&entityType=customer&perPage=201", "perPage"],
      ["entityId=x&entityType=customer&fromDate=yesterday", "fromDate"],
      ["entityId=x&entityType=customer&fromDate=2024-02-01&toDate=2024-01-01", "toDate"],
    ];
    for (const [q, field] of cases) {
      const res = await timeline(q);
      expect(res.status, q).toBe(400);
      expect(Object.keys(res.body.error.fields ?? {}), q).toContain(field);
    }
    expect((await timeline("entityId=x&entityType=customer&perPage=200")).status).toBe(200);
  });

  it("shows nothing of another tenant's customer, and needs omni:read", async () => {
    const other = await partnerOf(hub, "timeline-other", ["omni:read"]);
    const res = await call<Page>(
      hub,
      other.key,
      "GET",
      `/api/v1/omni/timeline?entityId=${customerId}&entityType=customer`,
    );
    expect(res.body.data).toEqual([]);
    const noScope = await partnerOf(hub, "timeline-noscope", ["omnichannel:read"]);
    const denied = await call<Problem>(
      hub,
      noScope.key,
      "GET",
      "/api/v1/omni/timeline?entityId=x&entityType=customer",
    );
    expect(denied.status).toBe(403);
  });
});
