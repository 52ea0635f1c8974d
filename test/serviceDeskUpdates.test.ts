import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { events, tickets } from "../src/db/schema/index.js";
import { changeStatus } from "../src/tickets/updates.js";
import { docExamples, type Partner, partnerOf } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let partner: Partner;
beforeAll(async () => {
  hub = await createTestHub();
  partner = await partnerOf(hub, "updates-bank");
});
afterAll(async () => {
  await hub.close();
});

async function newTicket(reference: string) {
  const res = await partner.post("/api/omnichannel/tickets", {
    ...docExamples.ticket,
    channelReferenceId: reference,
    integration: { ...docExamples.ticket.integration, requestId: undefined },
  });
  expect(res.status).toBe(201);
  return res.body as { ticketNumber: string; ticketId: string };
}

const eventsOf = async (ticketId: string) =>
  (await hub.db.select().from(events).where(eq(events.subjectId, ticketId))).sort(
    (a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || a.id.localeCompare(b.id),
  );

/** The agents' side moving a ticket, as the desk API does. */
const agentSets = (
  ticketNumber: string,
  status: "IN_PROGRESS" | "RESOLVED" | "CLOSED" | "PENDING" | "ON_HOLD",
) =>
  changeStatus(
    { db: hub.db, blobs: hub.blobs },
    { tenantId: partner.tenantId, actor: { type: "agent", id: "agent-1" }, by: "agent" },
    { ticketNumber },
    status,
  );

describe("GET /api/omnichannel/tickets (status)", () => {
  it("finds a ticket by number and by channel reference, with the documented fields", async () => {
    const t = await newTicket("wa_status_1");
    for (const query of [`ticketNumber=${t.ticketNumber}`, "channelReferenceId=wa_status_1"]) {
      const res = await partner.get(`/api/omnichannel/tickets?${query}`);
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(
        [
          "closedAt",
          "createdAt",
          "currentAssignee",
          "lastComment",
          "priority",
          "resolvedAt",
          "sla",
          "status",
          "ticketNumber",
          "updatedAt",
        ].sort(),
      );
      expect(res.body).toMatchObject({
        ticketNumber: t.ticketNumber,
        status: "OPEN",
        priority: "HIGH",
        resolvedAt: null,
        closedAt: null,
        currentAssignee: "IT Support Team",
        lastComment: null,
        sla: { isBreached: false },
      });
      expect(
        new Date(res.body.sla.resolutionDeadline).getTime() - new Date(res.body.createdAt).getTime(),
      ).toBe(24 * 3600_000);
    }
  });

  it("answers the documented 400 and 404", async () => {
    const missing = await partner.get("/api/omnichannel/tickets");
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe("Either ticketNumber or channelReferenceId is required");
    expect(missing.body.success).toBe(false);
    const unknown = await partner.get("/api/omnichannel/tickets?ticketNumber=999999999");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ success: false, message: "Ticket not found", errors: {} });
  });
});

describe("GET /api/omnichannel/tickets/{ticketNumber} (detail)", () => {
  it("shows service, branch, comments, attachments, SLA and metadata", async () => {
    const t = await newTicket("wa_detail_1");
    await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.addComment);
    await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.addAttachment);
    for (const id of [t.ticketNumber, "wa_detail_1"]) {
      const res = await partner.get(`/api/omnichannel/tickets/${id}`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        ticketNumber: t.ticketNumber,
        service: { name: "Technical Support", supportGroup: "Technical Support" },
        branch: { name: "Kantor Pusat", code: "001" },
        comments: [
          {
            content: `[Via Omnichannel] ${docExamples.addComment.comment}`,
            author: "Jane Smith",
            isFromSupport: false,
          },
        ],
        attachments: [{ filename: "system_logs.txt", size: 25, mimeType: "text/plain" }],
        sla: { isBreached: false },
        metadata: docExamples.ticket.ticket.metadata,
      });
    }
    const detail = await partner.get(`/api/omnichannel/tickets/${t.ticketNumber}`);
    const download = await partner.raw(detail.body.attachments[0].downloadUrl);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("text/plain");
    expect(download.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await download.text()).toBe("This is a sample log file");
  });

  it("404 Ticket not found", async () => {
    const res = await partner.get("/api/omnichannel/tickets/no-such-reference");
    expect(res.status).toBe(404);
    expect(res.body.message).toBe("Ticket not found");
  });
});

describe("PATCH /api/omnichannel/tickets/{ticketNumber}", () => {
  it("ADD_COMMENT: stored with the [Via Omnichannel] prefix, card numbers masked, COMMENT_ADDED written", async () => {
    const t = await newTicket("wa_comment_1");
    const res = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.addComment);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      success: true,
      ticketNumber: t.ticketNumber,
      action: "ADD_COMMENT",
      message: "Ticket updated successfully",
      result: {
        comment: {
          content: `[Via Omnichannel] ${docExamples.addComment.comment}`,
          author: "Jane Smith",
        },
      },
    });
    expect(res.body.result.comment.id).toMatch(/^cmt_/);
    const masked = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "ADD_COMMENT",
      comment: "my card 4111111111111111 was charged twice",
    });
    expect(masked.body.result.comment.content).toBe(
      "[Via Omnichannel] my card ************1111 was charged twice",
    );
    const status = await partner.get(`/api/omnichannel/tickets?ticketNumber=${t.ticketNumber}`);
    expect(status.body.lastComment.content).toBe(
      "[Via Omnichannel] my card ************1111 was charged twice",
    );
    expect((await eventsOf(t.ticketId)).map((e) => e.type)).toEqual([
      "TICKET_CREATED",
      "COMMENT_ADDED",
      "COMMENT_ADDED",
    ]);
  });

  it("UPDATE_STATUS to CANCELLED: STATUS_CHANGED with oldStatus, newStatus and assignedTo; then the ticket is final", async () => {
    const t = await newTicket("wa_cancel_1");
    const res = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.updateStatus);
    expect(res.status).toBe(200);
    expect(res.body.result).toEqual({ status: { oldStatus: "OPEN", newStatus: "CANCELLED" } });
    const changed = (await eventsOf(t.ticketId)).find((e) => e.type === "STATUS_CHANGED");
    expect(changed?.payload).toEqual({
      ticketNumber: t.ticketNumber,
      channelReferenceId: "wa_cancel_1",
      oldStatus: "OPEN",
      newStatus: "CANCELLED",
      assignedTo: "IT Support Team",
    });
    const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, t.ticketId));
    expect(row?.closedAt).toBeInstanceOf(Date);
    const again = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.addComment);
    expect(again.status).toBe(400);
    expect(again.body.message).toBe("Cannot update closed or resolved tickets");
  });

  it("refuses any change to a RESOLVED or CLOSED ticket", async () => {
    const t = await newTicket("wa_resolved_1");
    expect((await agentSets(t.ticketNumber, "RESOLVED")).ok).toBe(true);
    for (const body of [docExamples.addComment, docExamples.updateStatus, docExamples.addAttachment]) {
      const res = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        success: false,
        message: "Cannot update closed or resolved tickets",
        errors: { status: "Ticket is RESOLVED" },
      });
    }
    expect((await eventsOf(t.ticketId)).map((e) => e.type)).toEqual([
      "TICKET_CREATED",
      "STATUS_CHANGED",
      "TICKET_RESOLVED",
    ]);
    await agentSets(t.ticketNumber, "CLOSED");
    expect((await eventsOf(t.ticketId)).map((e) => e.type).slice(-2)).toEqual([
      "STATUS_CHANGED",
      "TICKET_CLOSED",
    ]);
  });

  it("lets a partner move only along its edges of the transition table", async () => {
    const t = await newTicket("wa_transition_1");
    const resolve = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "UPDATE_STATUS",
      status: "RESOLVED",
    });
    expect(resolve.status).toBe(400);
    expect(resolve.body).toEqual({
      success: false,
      message: "Invalid status transition",
      errors: { status: "Cannot change status from OPEN to RESOLVED" },
    });
    await agentSets(t.ticketNumber, "PENDING");
    const resume = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "UPDATE_STATUS",
      status: "IN_PROGRESS",
    });
    expect(resume.status).toBe(200);
    expect(resume.body.result.status).toEqual({ oldStatus: "PENDING", newStatus: "IN_PROGRESS" });

    // Only a ticket waiting on the customer (PENDING) is the partner's to hand back; ON_HOLD is the desk's.
    await agentSets(t.ticketNumber, "ON_HOLD");
    const resumeHeld = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "UPDATE_STATUS",
      status: "IN_PROGRESS",
    });
    expect(resumeHeld.status).toBe(400);
    expect(resumeHeld.body).toEqual({
      success: false,
      message: "Invalid status transition",
      errors: { status: "Cannot change status from ON_HOLD to IN_PROGRESS" },
    });
    const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, t.ticketId));
    expect(row?.status).toBe("ON_HOLD");
  });

  it("writes STATUS_CHANGED in the status change's own transaction: a change that fails leaves no event", async () => {
    const t = await newTicket("wa_tx_fail_1");
    // This test database refuses, at commit, to put this one ticket ON_HOLD: the deferred check runs
    // after the ticket row and its events were written inside the transaction.
    await hub.db.execute(sql`
      CREATE FUNCTION refuse_hold() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.status = 'ON_HOLD' AND NEW.channel_reference_id = 'wa_tx_fail_1' THEN
          RAISE EXCEPTION 'test refuses ON_HOLD for this ticket';
        END IF;
        RETURN NULL;
      END $$`);
    await hub.db.execute(sql`
      CREATE CONSTRAINT TRIGGER refuse_hold AFTER UPDATE ON tickets
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_hold()`);
    try {
      const failure = await agentSets(t.ticketNumber, "ON_HOLD").catch((err: unknown) => err);
      // drizzle reports the failed COMMIT; PostgreSQL's reason is its cause.
      expect(String((failure as Error).cause)).toMatch(/refuses ON_HOLD/);
    } finally {
      await hub.db.execute(sql`DROP TRIGGER refuse_hold ON tickets`);
      await hub.db.execute(sql`DROP FUNCTION refuse_hold()`);
    }
    expect((await eventsOf(t.ticketId)).map((e) => e.type)).toEqual(["TICKET_CREATED"]);
    const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, t.ticketId));
    expect(row?.status).toBe("OPEN");
    // The same change without the refusal goes through, event and all.
    expect((await agentSets(t.ticketNumber, "ON_HOLD")).ok).toBe(true);
    expect((await eventsOf(t.ticketId)).map((e) => e.type)).toEqual(["TICKET_CREATED", "STATUS_CHANGED"]);
  });

  it("ADD_ATTACHMENT: the document's example, stored outside the database with its sha256", async () => {
    const t = await newTicket("wa_attach_1");
    const res = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, docExamples.addAttachment);
    expect(res.status).toBe(200);
    expect(res.body.result.attachments).toMatchObject([{ filename: "system_logs.txt", size: 25 }]);
    const id = res.body.result.attachments[0].id as string;
    expect(await hub.blobs.get(`${partner.tenantId}/${id}`)).toEqual(
      new TextEncoder().encode("This is a sample log file"),
    );
  });

  it("names a wrong action or a missing field", async () => {
    const t = await newTicket("wa_bad_1");
    const wrong = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, { action: "DELETE" });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toEqual({
      action: "Action must be one of ADD_COMMENT, UPDATE_STATUS, ADD_ATTACHMENT",
    });
    const empty = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "ADD_COMMENT",
    });
    expect(empty.body.errors).toEqual({ comment: "Comment is required" });
    const status = await partner.patch(`/api/omnichannel/tickets/${t.ticketNumber}`, {
      action: "UPDATE_STATUS",
      status: "DONE",
    });
    expect(status.body.errors).toEqual({
      status: "Status must be one of OPEN, IN_PROGRESS, RESOLVED, CLOSED, ON_HOLD, CANCELLED, PENDING",
    });
    const missing = await partner.patch("/api/omnichannel/tickets/999999999", docExamples.addComment);
    expect(missing.status).toBe(404);
  });
});
