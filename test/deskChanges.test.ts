import type { z } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, tickets } from "../src/db/schema/index.js";
import type { deskCommentSchema, deskTicketDetailSchema, deskTicketSchema } from "../src/desk/responses.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

type DeskTicket = z.infer<typeof deskTicketSchema>;
type DeskDetail = z.infer<typeof deskTicketDetailSchema>;
type DeskComment = z.infer<typeof deskCommentSchema>;
type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };
type PartnerComment = { content: string; author: string; isFromSupport: boolean };
type PartnerDetail = {
  comments: PartnerComment[];
  currentAssignee: string | null;
  sla: { isBreached: boolean };
};
type PartnerStatus = { lastComment: { content: string } | null; status: string };

let hub: TestHub;
let tenantId: string;
let partnerKey: string;
let deskKey: string;

async function call<T>(key: string, method: string, path: string, body?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const deskPost = <T>(n: string, action: string, body: unknown) =>
  call<T>(deskKey, "POST", `/api/v1/desk/tickets/${n}/${action}`, body);
const deskDetail = async (n: string) =>
  (await call<{ data: DeskDetail }>(deskKey, "GET", `/api/v1/desk/tickets/${n}`)).body.data;
const partnerDetail = async (n: string) =>
  (await call<PartnerDetail>(partnerKey, "GET", `/api/omnichannel/tickets/${n}`)).body;
const setStatus = (n: string, status: string) =>
  deskPost<{ data: DeskTicket } & Problem>(n, "status", { status });

async function newTicket(): Promise<string> {
  const res = await call<{ ticketNumber: string }>(partnerKey, "POST", "/api/omnichannel/tickets", {
    channel: "WHATSAPP",
    serviceType: "MOBILE_BANKING",
    customer: { name: "Sarah Johnson", email: "sarah.j@email.com" },
    ticket: {
      title: "Cannot access mobile banking",
      description: "App crashes on balance",
      priority: "MEDIUM",
    },
  });
  expect(res.status).toBe(201);
  return res.body.ticketNumber;
}

async function eventsOf(ticketNumber: string, type: string) {
  const [row] = await hub.db
    .select()
    .from(tickets)
    .where(eq(tickets.number, Number(ticketNumber)));
  return hub.db
    .select()
    .from(events)
    .where(and(eq(events.subjectId, row?.id ?? ""), eq(events.type, type)));
}

/** Puts a user (or, with kind "teams", a team) in the tenant through the admin API. */
async function saveStaff(kind: "users" | "teams", id: string, body: Record<string, unknown>) {
  const res = await hub.adminRequest(`/api/admin/tenants/${tenantId}/${kind}/${id}`, {
    method: "PUT",
    json: body,
  });
  expect([200, 201]).toContain(res.status);
}

beforeAll(async () => {
  hub = await createTestHub();
  const partner = await hub.createTenantWithKey("desk-changes-bank", [
    "omnichannel:create",
    "omnichannel:read",
    "omnichannel:update",
  ]);
  ({ tenantId, key: partnerKey } = partner);
  const key = await hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId, name: "agents", scopes: ["desk:read", "desk:write"] },
  });
  deskKey = ((await key.json()) as { data: { key: string } }).data.key;
  await saveStaff("teams", "team_cards", { name: "Card Operations Team" });
  await saveStaff("users", "usr_john", { name: "John Tech", role: "agent", teamId: "team_cards" });
  await saveStaff("users", "usr_rina", { name: "Rina", role: "agent" });
  await saveStaff("users", "usr_gone", { name: "Former Agent", role: "agent", active: false });
});
afterAll(async () => {
  await hub.close();
});

describe("POST /api/v1/desk/tickets/{n}/assign", () => {
  it("assigns a user, keeps the team, and partners see the user's name as current assignee", async () => {
    const n = await newTicket();
    const res = await deskPost<{ data: DeskTicket }>(n, "assign", { assignedUserId: "usr_john" });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      ticketNumber: n,
      assignedTo: "John Tech",
      assignedUserId: "usr_john",
      assignedTeam: "IT Support Team",
      assignedTeamId: null,
    });
    expect((await partnerDetail(n)).currentAssignee).toBe("John Tech");
    const [event] = await eventsOf(n, "TICKET_ASSIGNED");
    expect(event?.tenantId).toBe(tenantId);
    expect(event?.payload).toMatchObject({
      assignedTo: "John Tech",
      assignedUserId: "usr_john",
      previous: { assignedTo: null, assignedTeam: "IT Support Team", assignedUserId: null },
    });
  });

  it("moves the ticket to a team of the tenant and unassigns the user with null", async () => {
    const n = await newTicket();
    await deskPost(n, "assign", { assignedUserId: "usr_john" });
    const res = await deskPost<{ data: DeskTicket }>(n, "assign", {
      assignedUserId: null,
      assignedTeamId: "team_cards",
    });
    expect(res.body.data).toMatchObject({
      assignedTo: null,
      assignedUserId: null,
      assignedTeam: "Card Operations Team",
      assignedTeamId: "team_cards",
    });
    expect((await partnerDetail(n)).currentAssignee).toBe("Card Operations Team");
    const byId = await call<{ data: DeskTicket[] }>(
      deskKey,
      "GET",
      "/api/v1/desk/tickets?assignee=team_cards",
    );
    expect(byId.body.data.map((t) => t.ticketNumber)).toEqual([n]);
  });

  it("400 naming the field when neither is given or a value is not an id", async () => {
    const n = await newTicket();
    const none = await deskPost<Problem>(n, "assign", {});
    expect(none.status).toBe(400);
    expect(none.body.error.fields).toEqual({
      assignedUserId: "assignedUserId or assignedTeamId is required",
    });
    const blank = await deskPost<Problem>(n, "assign", { assignedTeamId: "  " });
    expect(Object.keys(blank.body.error.fields ?? {})).toEqual(["assignedTeamId"]);
    expect(await eventsOf(n, "TICKET_ASSIGNED")).toEqual([]);
  });

  it("400 naming each field whose user or team the tenant does not have, or whose user is inactive", async () => {
    const n = await newTicket();
    const both = await deskPost<Problem>(n, "assign", {
      assignedUserId: "usr_nobody",
      assignedTeamId: "team_nobody",
    });
    expect(both.status).toBe(400);
    expect(both.body.error.fields).toEqual({
      assignedUserId: "unknown user usr_nobody",
      assignedTeamId: "unknown team team_nobody",
    });
    const gone = await deskPost<Problem>(n, "assign", { assignedUserId: "usr_gone" });
    expect(gone.body.error.fields).toEqual({ assignedUserId: "user usr_gone is not active" });
    // A team's id is not a user's, nor a user's name an id.
    for (const assignedUserId of ["team_cards", "John Tech"])
      expect((await deskPost<Problem>(n, "assign", { assignedUserId })).status).toBe(400);
    expect(await eventsOf(n, "TICKET_ASSIGNED")).toEqual([]);
    expect((await partnerDetail(n)).currentAssignee).toBe("IT Support Team");
  });

  it("a renamed user's or team's tickets show the new name to partners and the desk", async () => {
    const n = await newTicket();
    await saveStaff("users", "usr_renamed", { name: "Dewi Lestari", role: "agent" });
    await saveStaff("teams", "team_renamed", { name: "Disputes" });
    await deskPost(n, "assign", { assignedUserId: "usr_renamed", assignedTeamId: "team_renamed" });
    await deskPost(n, "replies", { content: "On it", authorId: "usr_renamed" });
    await saveStaff("users", "usr_renamed", { name: "Dewi Lestari-Putri", role: "agent" });
    await saveStaff("teams", "team_renamed", { name: "Disputes & Chargebacks" });
    const partner = await partnerDetail(n);
    expect(partner.currentAssignee).toBe("Dewi Lestari-Putri");
    // A comment keeps the name its author wrote under.
    expect(partner.comments.map((m) => m.author)).toEqual(["Dewi Lestari"]);
    expect(await deskDetail(n)).toMatchObject({
      assignedTo: "Dewi Lestari-Putri",
      assignedTeam: "Disputes & Chargebacks",
    });
  });
});

describe("replies and internal notes", () => {
  it("a reply reaches the partner as from support; a note never does, not even as lastComment", async () => {
    const n = await newTicket();
    const reply = await deskPost<{ data: DeskComment }>(n, "replies", {
      content: "Please update the app",
      authorId: "usr_rina",
    });
    expect(reply.status).toBe(201);
    expect(reply.body.data).toMatchObject({
      content: "Please update the app",
      author: "Rina",
      authorId: "usr_rina",
      authorType: "agent",
      isFromSupport: true,
      isInternal: false,
    });
    const note = await deskPost<{ data: DeskComment }>(n, "notes", {
      content: "Customer on old OS; escalate",
      authorId: "usr_rina",
    });
    expect(note.status).toBe(201);
    expect(note.body.data).toMatchObject({ isInternal: true, isFromSupport: true, authorType: "agent" });

    const partner = await partnerDetail(n);
    expect(partner.comments).toEqual([
      {
        content: "Please update the app",
        author: "Rina",
        timestamp: expect.any(String),
        isFromSupport: true,
      },
    ]);
    expect(JSON.stringify(partner)).not.toContain("escalate");
    const status = await call<PartnerStatus>(partnerKey, "GET", `/api/omnichannel/tickets?ticketNumber=${n}`);
    expect(status.body.lastComment?.content).toBe("Please update the app");

    const agent = await deskDetail(n);
    expect(agent.comments.map((m) => [m.content, m.isInternal, m.author, m.authorId])).toEqual([
      ["Please update the app", false, "Rina", "usr_rina"],
      ["Customer on old OS; escalate", true, "Rina", "usr_rina"],
    ]);
    const added = await eventsOf(n, "COMMENT_ADDED");
    expect(added.map((e) => (e.payload as { isInternal: boolean }).isInternal)).toEqual([false, true]);
    // The agent is the events' actor; the partner's webhook data keeps the document's fields.
    expect(added.map((e) => [e.actorType, e.actorId])).toEqual([
      ["user", "usr_rina"],
      ["user", "usr_rina"],
    ]);
    expect(Object.keys(added[0]?.payload ?? {}).sort()).toEqual(
      ["author", "channelReferenceId", "commentId", "isFromSupport", "isInternal", "ticketNumber"].sort(),
    );
  });

  it("the first reply meets the response SLA: not breached after the response deadline passes", async () => {
    const n = await newTicket();
    await deskPost(n, "replies", { content: "Looking into it", authorId: "usr_rina" });
    const answered = await deskDetail(n);
    expect(answered.firstResponseAt).toEqual(expect.any(String));
    await hub.db
      .update(tickets)
      .set({ responseDueAt: new Date(Date.now() - 60_000) })
      .where(eq(tickets.number, Number(n)));
    expect((await deskDetail(n)).sla.isBreached).toBe(false);
    expect((await partnerDetail(n)).sla.isBreached).toBe(false);
    const list = await call<{ data: DeskTicket[] }>(deskKey, "GET", "/api/v1/desk/tickets?breached=false");
    expect(list.body.data.map((t) => t.ticketNumber)).toContain(n);
  });

  it("a note is not a response: the ticket breaches once its response deadline passes", async () => {
    const n = await newTicket();
    await deskPost(n, "notes", { content: "Will call back", authorId: "usr_rina" });
    expect((await deskDetail(n)).firstResponseAt).toBeNull();
    await hub.db
      .update(tickets)
      .set({ responseDueAt: new Date(Date.now() - 60_000) })
      .where(eq(tickets.number, Number(n)));
    expect((await deskDetail(n)).sla.isBreached).toBe(true);
    const list = await call<{ data: DeskTicket[] }>(deskKey, "GET", "/api/v1/desk/tickets?breached=true");
    expect(list.body.data.map((t) => t.ticketNumber)).toContain(n);
  });

  it("400 naming content or authorId when missing, or an author the tenant does not have", async () => {
    const n = await newTicket();
    const res = await deskPost<Problem>(n, "replies", { content: " " });
    expect(res.status).toBe(400);
    expect(res.body.error.fields).toEqual({
      content: "content is required",
      authorId: "authorId is required",
    });
    for (const [authorId, problem] of [
      ["usr_nobody", "unknown user usr_nobody"],
      ["usr_gone", "user usr_gone is not active"],
    ]) {
      for (const action of ["replies", "notes"]) {
        const refused = await deskPost<Problem>(n, action, { content: "hello", authorId });
        expect(refused.status).toBe(400);
        expect(refused.body.error.fields).toEqual({ authorId: problem });
      }
    }
    expect(await eventsOf(n, "COMMENT_ADDED")).toEqual([]);
    expect((await deskDetail(n)).firstResponseAt).toBeNull();
  });

  it("the agent's reply is on the customer's timeline under the agent's name", async () => {
    const n = await newTicket();
    await deskPost(n, "replies", { content: "Please update the app", authorId: "usr_rina" });
    const { customerId } = await deskDetail(n);
    const railKey = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId, name: "rail", scopes: ["omni:read"] },
    });
    const key = ((await railKey.json()) as { data: { key: string } }).data.key;
    const timeline = await call<{ data: Array<{ eventType: string; actorId?: string; actorName?: string }> }>(
      key,
      "GET",
      `/api/v1/omni/timeline?entityType=customer&entityId=${customerId}&eventTypes=COMMENT_ADDED`,
    );
    expect(timeline.body.data.map((e) => [e.eventType, e.actorId, e.actorName])).toContainEqual([
      "COMMENT_ADDED",
      "usr_rina",
      "Rina",
    ]);
  });
});

describe("POST /api/v1/desk/tickets/{n}/status", () => {
  it("moves a ticket along the transition table, pausing the SLA while it waits", async () => {
    const n = await newTicket();
    const path = [
      "IN_PROGRESS",
      "ON_HOLD",
      "IN_PROGRESS",
      "PENDING",
      "RESOLVED",
      "IN_PROGRESS",
      "RESOLVED",
      "CLOSED",
    ];
    for (const status of path) {
      const res = await setStatus(n, status);
      expect(res.status, status).toBe(200);
      expect(res.body.data.status).toBe(status);
      expect(res.body.data.sla.paused, status).toBe(status === "ON_HOLD" || status === "PENDING");
    }
    expect(await eventsOf(n, "STATUS_CHANGED")).toHaveLength(path.length);
    expect(await eventsOf(n, "TICKET_RESOLVED")).toHaveLength(2);
    expect(await eventsOf(n, "TICKET_CLOSED")).toHaveLength(1);
    expect((await deskDetail(n)).closedAt).toEqual(expect.any(String));
  });

  it("the same status again changes nothing", async () => {
    const n = await newTicket();
    expect((await setStatus(n, "OPEN")).status).toBe(200);
    expect(await eventsOf(n, "STATUS_CHANGED")).toEqual([]);
  });

  it("409 naming both statuses for a move the table does not have", async () => {
    const n = await newTicket();
    const res = await setStatus(n, "CLOSED");
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: "CONFLICT",
      fields: { status: "Cannot change status from OPEN to CLOSED" },
    });
    await setStatus(n, "RESOLVED");
    expect((await setStatus(n, "ON_HOLD")).body.error.fields).toEqual({
      status: "Cannot change status from RESOLVED to ON_HOLD",
    });
  });

  it("409 for every change to a CLOSED or CANCELLED ticket", async () => {
    const cancelled = await newTicket();
    await setStatus(cancelled, "CANCELLED");
    const closed = await newTicket();
    await setStatus(closed, "RESOLVED");
    await setStatus(closed, "CLOSED");
    for (const [n, final] of [
      [cancelled, "CANCELLED"],
      [closed, "CLOSED"],
    ] as const) {
      const attempts = [
        await setStatus(n, "IN_PROGRESS"),
        await deskPost<Problem>(n, "replies", { content: "hello", authorId: "usr_rina" }),
        await deskPost<Problem>(n, "notes", { content: "hello", authorId: "usr_rina" }),
        await deskPost<Problem>(n, "assign", { assignedUserId: "usr_john" }),
      ];
      for (const res of attempts) {
        expect(res.status).toBe(409);
        expect(res.body.error.fields).toEqual({ status: `Ticket is ${final}` });
      }
    }
  });

  it("400 for a status outside the vocabulary", async () => {
    const n = await newTicket();
    const res = await setStatus(n, "DONE");
    expect(res.status).toBe(400);
    expect(res.body.error.fields?.status).toContain("status must be one of OPEN");
  });
});
