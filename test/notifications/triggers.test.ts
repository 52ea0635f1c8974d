import { Writable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { notificationTriggerSubscriber } from "../../queues/handlers/notificationTriggers.js";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { channelAccountReader } from "../../src/channelAccounts/service.js";
import { conversationTickets, events, notifications, tickets } from "../../src/db/schema/index.js";
import { eventTypes } from "../../src/events/catalog.js";
import { recordEvent } from "../../src/events/writer.js";
import { createLogger } from "../../src/logger.js";
import { accountSenderSource } from "../../src/notifications/senderSource.js";
import { maskCardNumbers } from "../../src/privacy/cardNumbers.js";
import { addComment } from "../../src/tickets/updates.js";
import { senderDeps } from "../connectors/senderDeps.js";
import { railClient, railExamples } from "../rail/railClient.js";
import { railDocExamples } from "../rail/railDocExamples.js";
import { docUsers, seedUsers } from "../rail/railSupport.js";
import { startSmtpFake } from "../support/fakes/smtpServer.js";
import { docExamples, type Partner, partnerOf } from "../support/serviceDesk.js";
import { bearer, createTestHub, type TestHub } from "../support/testHub.js";
import { getNotification, loadDefaults, newCustomer, startNotificationWorkers } from "./support.js";

let hub: TestHub;
let partner: Partner;
let smtp: Awaited<ReturnType<typeof startSmtpFake>>;
let workers: ReturnType<typeof startNotificationWorkers>;
let senders: ReturnType<typeof accountSenderSource>;
const logLines: string[] = [];
let subscriber: ReturnType<typeof notificationTriggerSubscriber>;

beforeAll(async () => {
  smtp = await startSmtpFake();
  hub = await createTestHub();
  await loadDefaults(hub);
  partner = await partnerOf(hub, "trigger-bank", [
    "omnichannel:create",
    "omnichannel:read",
    "omnichannel:update",
    "omni:read",
    "omni:write",
    "admin",
  ]);
  const saved = await hub.adminRequest(`/api/admin/tenants/${partner.tenantId}/channels/email`, {
    method: "PUT",
    json: {
      provider: "smtp",
      settings: { host: smtp.host, port: smtp.port, secure: false, from: "Bank <noreply@bank.example>" },
    },
  });
  if (saved.status !== 201) throw new Error(`email account: ${saved.status} ${await saved.text()}`);
  senders = accountSenderSource({
    accounts: channelAccountReader(hub.db, hub.config.channels.secretKeys),
    senderDeps: senderDeps({ publicBaseUrl: "https://hub.bank.example" }),
  });
  workers = startNotificationWorkers(hub, senders);
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  subscriber = notificationTriggerSubscriber({
    producer: hub.producer,
    settings: hub.config.notifications,
    logger: createLogger({ ...hub.config.log, level: "warn" }, logs),
  });
});
afterAll(async () => {
  await workers?.close();
  await senders?.close();
  await hub?.close();
  await smtp?.close();
});

type Answer = { data: unknown; error: { fields: Record<string, string> } };
const answerOf = async (res: Response): Promise<Answer> => (await res.json()) as Answer;
const triggersPath = (tenant: string) => `/api/admin/tenants/${tenant}/notification-triggers`;
const putTrigger = (trigger: string, json: unknown, tenant = partner.tenantId) =>
  hub.adminRequest(`${triggersPath(tenant)}/${trigger}`, { method: "PUT", json });
/** Runs the relay as the worker does, until the outbox is empty. */
const relay = async () => {
  while ((await relayOutbox(hub.db, hub.producer, [subscriber])) > 0);
};
const notificationsOfTicket = async (ticketNumber: string) =>
  (
    await hub.db
      .select()
      .from(notifications)
      .where(eq(notifications.tenantId, partner.tenantId))
      .orderBy(notifications.createdAt)
  ).filter((n) => n.templateData.ticketNumber === ticketNumber);

describe("notification triggers: the admin API", () => {
  it("creates, replaces, lists and deletes a tenant's trigger, each change with its event", async () => {
    const created = await putTrigger("ticket.status_changed", { channels: ["in_app"] });
    expect(created.status).toBe(201);
    expect((await answerOf(created)).data).toMatchObject({
      trigger: "ticket.status_changed",
      templateCode: "TICKET_STATUS_CHANGED",
      channels: ["in_app"],
      priority: "normal",
      enabled: true,
    });
    const replaced = await putTrigger("ticket.status_changed", {
      channels: ["email", "in_app"],
      priority: "high",
      enabled: false,
    });
    expect(replaced.status).toBe(200);
    const listed = await hub.adminRequest(triggersPath(partner.tenantId));
    expect((await answerOf(listed)).data).toEqual([
      expect.objectContaining({
        trigger: "ticket.status_changed",
        channels: ["email", "in_app"],
        enabled: false,
      }),
    ]);
    const deleted = await hub.adminRequest(`${triggersPath(partner.tenantId)}/ticket.status_changed`, {
      method: "DELETE",
    });
    expect(deleted.status).toBe(204);
    const again = await hub.adminRequest(`${triggersPath(partner.tenantId)}/ticket.status_changed`, {
      method: "DELETE",
    });
    expect(again.status).toBe(404);
    const written = await hub.db
      .select({ type: events.type, payload: events.payload })
      .from(events)
      .where(and(eq(events.tenantId, partner.tenantId), eq(events.subjectType, "notification_trigger")))
      .orderBy(events.occurredAt);
    expect(written.map((e) => e.type)).toEqual([
      eventTypes.notificationTriggerSaved,
      eventTypes.notificationTriggerSaved,
      eventTypes.notificationTriggerDeleted,
    ]);
    expect(written[0]?.payload).toMatchObject({ created: true, templateCode: "TICKET_STATUS_CHANGED" });
  });

  it("refuses with a 400 naming the field: an unknown trigger, bad channels, a template it cannot fill", async () => {
    const unknown = await putTrigger("ticket.deleted", { channels: ["email"] });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await answerOf(unknown))).toContain("trigger");

    const channels = await putTrigger("ticket.created", { channels: ["email", "email"] });
    expect(channels.status).toBe(400);
    expect((await answerOf(channels)).error.fields).toHaveProperty("channels");

    const noChannels = await putTrigger("ticket.created", { channels: [] });
    expect(noChannels.status).toBe(400);

    // AGENT_REPLY requires `message`, which a ticket's creation does not give.
    const unfillable = await putTrigger("ticket.created", {
      channels: ["email"],
      templateCode: "AGENT_REPLY",
    });
    expect(unfillable.status).toBe(400);
    expect((await answerOf(unfillable)).error.fields.templateCode).toMatch(/requires message/);

    const missing = await putTrigger("ticket.created", {
      channels: ["email"],
      templateCode: "NO_SUCH_TEMPLATE",
    });
    expect(missing.status).toBe(400);
    expect((await answerOf(missing)).error.fields.templateCode).toMatch(/no template NO_SUCH_TEMPLATE/);
  });

  it("answers 404 for an unknown tenant and 401 without the admin token", async () => {
    expect((await putTrigger("ticket.created", { channels: ["email"] }, "ten_nobody")).status).toBe(404);
    const anonymous = await hub.request(`${triggersPath(partner.tenantId)}/ticket.created`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channels: ["email"] }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe("notification triggers: domain events notify the customer", () => {
  it("sends a ticket's customer TICKET_CREATED by e-mail once, however often the relay runs", async () => {
    expect((await putTrigger("ticket.created", { channels: ["email", "in_app"] })).status).toBe(201);
    const opened = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.ticket,
      customer: { ...docExamples.ticket.customer, email: "dewi.lestari@example.co.id" },
      integration: { ...docExamples.ticket.integration, requestId: undefined },
    });
    expect(opened.status).toBe(201);
    const number = String(opened.body.ticketNumber);
    await relay();
    await relay();
    const sent = await notificationsOfTicket(number);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      templateCode: "TICKET_CREATED",
      recipientType: "customer",
      channels: ["email", "in_app"],
      templateData: { ticketNumber: number, title: docExamples.ticket.ticket.title },
    });
    const [ticket] = await hub.db.select().from(tickets).where(eq(tickets.id, opened.body.ticketId));
    expect(sent[0]?.recipientId).toBe(ticket?.customerId);

    await vi.waitFor(
      async () => {
        const view = await getNotification(hub, partner.key, sent[0]?.id ?? "");
        expect(view.deliveries.map((d) => d.status)).toEqual(["sent", "sent"]);
      },
      { timeout: 15_000, interval: 100 },
    );
    const mail = smtp.received.filter((m) => m.envelope.to.includes("dewi.lestari@example.co.id"));
    expect(mail).toHaveLength(1);
    expect(mail[0]?.parsed.text).toContain(number);
  });

  it("sends TICKET_STATUS_CHANGED with the old and new status when the desk moves a ticket", async () => {
    expect((await putTrigger("ticket.status_changed", { channels: ["in_app"] })).status).toBe(201);
    const opened = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      integration: undefined,
    });
    expect(opened.status).toBe(201);
    const number = String(opened.body.ticketNumber);
    const moved = await partner.patch(`/api/omnichannel/tickets/${number}`, {
      action: "UPDATE_STATUS",
      status: "CANCELLED",
    });
    expect(moved.status).toBe(200);
    await relay();
    const changed = (await notificationsOfTicket(number)).filter(
      (n) => n.templateCode === "TICKET_STATUS_CHANGED",
    );
    expect(changed).toHaveLength(1);
    expect(changed[0]?.templateData).toEqual({
      ticketNumber: number,
      newStatus: "CANCELLED",
      oldStatus: "OPEN",
    });
  });

  it("sends a claim's customer CLAIM_RECEIVED with the claim's media and amount, not TICKET_CREATED", async () => {
    expect((await putTrigger("claim.created", { channels: ["in_app"] })).status).toBe(201);
    const filed = await partner.post("/api/omnichannel/claims", docExamples.claimUseCase);
    expect(filed.status).toBe(201);
    const number = String(filed.body.ticketNumber);
    await relay();
    const sent = await notificationsOfTicket(number);
    expect(sent.map((n) => n.templateCode)).toEqual(["CLAIM_RECEIVED"]);
    expect(sent[0]?.templateData).toMatchObject({ ticketNumber: number, transactionMedia: "ATM" });
    expect(String(sent[0]?.templateData.amount)).toMatch(/150\.000/);
  });

  it("sends an agent's public reply as AGENT_REPLY; an internal note, or a conversation's ticket, sends nothing", async () => {
    expect((await putTrigger("ticket.agent_replied", { channels: ["in_app"] })).status).toBe(201);
    const opened = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      integration: undefined,
    });
    const number = String(opened.body.ticketNumber);
    const agent = {
      tenantId: partner.tenantId,
      actor: { type: "agent" as const, id: "usr_rina" },
      by: "agent" as const,
    };
    const comment = (content: string, isInternal: boolean) =>
      addComment(
        { db: hub.db, blobs: hub.blobs },
        agent,
        { ticketNumber: number },
        {
          content,
          author: { id: "usr_rina", name: "Rina" },
          authorType: "agent",
          isFromSupport: true,
          isInternal,
        },
      );
    expect((await comment("Kartu baru dikirim besok. 4111 1111 1111 1111", false)).ok).toBe(true);
    expect((await comment("Nasabah prioritas; eskalasi", true)).ok).toBe(true);
    // The customer's own comment (the partner's, for the customer) is not a reply either.
    expect((await partner.patch(`/api/omnichannel/tickets/${number}`, docExamples.addComment)).status).toBe(
      200,
    );
    await relay();
    const replies = (await notificationsOfTicket(number)).filter((n) => n.templateCode === "AGENT_REPLY");
    expect(replies).toHaveLength(1);
    expect(replies[0]?.templateData).toEqual({
      ticketNumber: number,
      // Stored as every comment is, card number masked.
      message: maskCardNumbers("Kartu baru dikirim besok. 4111 1111 1111 1111"),
      agentName: "Rina",
    });
    expect(JSON.stringify(replies[0]?.templateData)).not.toContain("4111 1111 1111 1111");

    // A ticket a conversation opened: the reply goes back on the conversation's channel instead.
    const quiet = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      integration: undefined,
    });
    await hub.db.insert(conversationTickets).values({
      ticketId: quiet.body.ticketId,
      tenantId: partner.tenantId,
      conversationId: "cnv_elsewhere",
    });
    const quietNumber = String(quiet.body.ticketNumber);
    expect(
      (
        await addComment(
          { db: hub.db, blobs: hub.blobs },
          agent,
          { ticketNumber: quietNumber },
          {
            content: "Sudah kami proses",
            author: { id: "usr_rina", name: "Rina" },
            authorType: "agent",
            isFromSupport: true,
          },
        )
      ).ok,
    ).toBe(true);
    await relay();
    expect(
      (await notificationsOfTicket(quietNumber)).filter((n) => n.templateCode === "AGENT_REPLY"),
    ).toEqual([]);
  });

  it("tells a journey's customer of each step they must do: JOURNEY_STEP_REQUIRED, not the bank's own steps", async () => {
    expect((await putTrigger("journey.step_required", { channels: ["in_app"] })).status).toBe(201);
    await seedUsers(hub, partner.tenantId, { usr_rm_001: "Rina" });
    const rail = railClient(hub, partner.key);
    // The documents are due 72 hours after the step begins: the notice says by when.
    const templateId = await rail.activeTemplate({
      ...railExamples.template,
      steps: railExamples.template.steps.map((step) =>
        step.id === "step_docs" ? { ...step, timeoutHours: 72 } : step,
      ),
    });
    const customer = await newCustomer(hub, partner.tenantId, { email: "sari@example.co.id" });
    const stepNotices = async () =>
      (await hub.db.select().from(notifications).where(eq(notifications.recipientId, customer))).filter(
        (n) => n.templateCode === "JOURNEY_STEP_REQUIRED",
      );
    // Created at KYC (the bank's check): nothing for the customer to do yet.
    const journey = await rail.newJourney(templateId, { customerId: customer });
    await relay();
    expect(await stepNotices()).toEqual([]);
    // KYC passed: the journey waits for the customer's documents.
    const before = Date.now();
    expect((await rail.advance(journey, "step_kyc")).status).toBe(200);
    const after = Date.now();
    await relay();
    const notices = await stepNotices();
    const day = (ms: number) => new Date(ms + 72 * 3600_000).toISOString().slice(0, 10);
    expect(notices.map((n) => n.templateData)).toEqual([
      { stepName: "Document Collection", journeyName: "SME Onboarding", dueDate: expect.any(String) },
    ]);
    expect([day(before), day(after)]).toContain(notices[0]?.templateData.dueDate);
    // Documents in: the credit approval is the bank's.
    expect((await rail.advance(journey, "step_docs")).status).toBe(200);
    await relay();
    expect(await stepNotices()).toHaveLength(1);
    // A journey whose customer reference is not one of the tenant's customers notifies no one.
    const elsewhere = await rail.newJourney(templateId, { customerId: "ent_not_a_customer" });
    expect((await rail.advance(elsewhere, "step_kyc")).status).toBe(200);
    await relay();
    expect(logLines.join("")).toContain("the tenant has no such customer");
  });

  it("tells each approver of a requested approval: by e-mail at the work address saved, in-app for all", async () => {
    expect((await putTrigger("approval.requested", { channels: ["email", "in_app"] })).status).toBe(201);
    await seedUsers(hub, partner.tenantId, docUsers);
    const fatima = await hub.adminRequest(`/api/admin/tenants/${partner.tenantId}/users/usr_credit_001`, {
      method: "PUT",
      json: { name: "Fatima Credit", role: "credit_analyst", email: "fatima@bank.example" },
    });
    expect(fatima.status).toBe(200);
    const expiresAt = new Date(Date.now() + 48 * 3600_000).toISOString();
    const rail = railClient(hub, partner.key);
    const requested = await rail.post<{ id: string }>("/api/v1/omni/approvals", {
      ...railDocExamples.approval,
      expiresAt,
    });
    expect(requested.status).toBe(201);
    await relay();
    const toApprovers = (
      await hub.db.select().from(notifications).where(eq(notifications.tenantId, partner.tenantId))
    ).filter((n) => n.templateCode === "APPROVAL_REQUESTED");
    expect(toApprovers.map((n) => [n.recipientType, n.recipientId]).sort()).toEqual([
      ["user", "usr_credit_001"],
      ["user", "usr_credit_002"],
    ]);
    expect(toApprovers[0]?.templateData).toEqual({
      approvalType: "credit_committee",
      requesterName: "Ahmed Al-Rashidi",
      expiresAt: new Date(expiresAt).toISOString(),
    });
    await vi.waitFor(
      async () => {
        const views = await Promise.all(toApprovers.map((n) => getNotification(hub, partner.key, n.id)));
        const byUser = Object.fromEntries(
          views.map((v) => [v.recipientId, v.deliveries.map((d) => [d.channel, d.status])]),
        );
        expect(byUser).toEqual({
          usr_credit_001: [
            ["email", "sent"],
            ["in_app", "sent"],
          ],
          usr_credit_002: [
            ["email", "skipped"],
            ["in_app", "sent"],
          ],
        });
      },
      { timeout: 15_000, interval: 100 },
    );
    const mail = smtp.received.filter((m) => m.envelope.to.includes("fatima@bank.example"));
    expect(mail).toHaveLength(1);
    expect(mail[0]?.parsed.text).toContain("credit_committee");
  });

  it("notifies nothing for what the customer did on a channel, nor for a disabled trigger", async () => {
    const opened = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      integration: undefined,
    });
    const number = String(opened.body.ticketNumber);
    await relay();
    const before = (await notificationsOfTicket(number)).length;
    const [ticket] = await hub.db.select().from(tickets).where(eq(tickets.id, opened.body.ticketId));
    // A ticket a conversation opened is the customer's own act: the router acknowledged it there.
    await hub.db.transaction((tx) =>
      recordEvent(tx, {
        tenantId: partner.tenantId,
        type: eventTypes.ticketCreated,
        subject: { type: "ticket", id: opened.body.ticketId },
        actor: { type: "customer", id: ticket?.customerId },
        customerId: ticket?.customerId,
        payload: { ticketNumber: number, status: "OPEN" },
      }),
    );
    await relay();
    expect(await notificationsOfTicket(number)).toHaveLength(before);

    expect((await putTrigger("ticket.created", { channels: ["in_app"], enabled: false })).status).toBe(200);
    const quiet = await partner.post("/api/omnichannel/tickets", {
      ...docExamples.complaint,
      integration: undefined,
    });
    await relay();
    expect(await notificationsOfTicket(String(quiet.body.ticketNumber))).toHaveLength(0);
  });

  it("leaves out, and logs, a notification whose template was archived since, without holding back the relay", async () => {
    expect(
      (await putTrigger("ticket.created", { channels: ["in_app"], templateCode: "TICKET_CREATED" })).status,
    ).toBe(200);
    const templateAction = (action: string) =>
      hub.request(`/api/v1/admin/templates/TICKET_CREATED/${action}`, {
        method: "POST",
        headers: bearer(partner.key),
      });
    expect((await templateAction("archive")).status).toBe(200);
    try {
      const opened = await partner.post("/api/omnichannel/tickets", {
        ...docExamples.complaint,
        integration: undefined,
      });
      await relay();
      expect(await notificationsOfTicket(String(opened.body.ticketNumber))).toHaveLength(0);
      expect(logLines.join("")).toContain("a notification trigger fired and sent nothing");
      const waiting = await hub.db.execute("SELECT count(*)::int AS n FROM event_outbox");
      expect(JSON.stringify(waiting)).toContain('"n":0');
    } finally {
      expect((await templateAction("restore")).status).toBe(200);
    }
  });
});

describe("notification fallbacks: the admin API", () => {
  const fallbacksPath = () => `/api/admin/tenants/${partner.tenantId}/notification-fallbacks`;
  const putFallback = (from: string, json: unknown) =>
    hub.adminRequest(`${fallbacksPath()}/${from}`, { method: "PUT", json });

  it("creates, replaces, lists and deletes the fallback of a channel", async () => {
    expect((await putFallback("push", { toChannel: "sms" })).status).toBe(201);
    const replaced = await putFallback("push", { toChannel: "email" });
    expect(replaced.status).toBe(200);
    expect((await answerOf(replaced)).data).toMatchObject({ fromChannel: "push", toChannel: "email" });
    const listed = await answerOf(await hub.adminRequest(fallbacksPath()));
    expect(listed.data).toEqual([expect.objectContaining({ fromChannel: "push", toChannel: "email" })]);
    expect((await hub.adminRequest(`${fallbacksPath()}/push`, { method: "DELETE" })).status).toBe(204);
    expect((await hub.adminRequest(`${fallbacksPath()}/push`, { method: "DELETE" })).status).toBe(404);
    const written = await hub.db
      .select({ type: events.type })
      .from(events)
      .where(and(eq(events.tenantId, partner.tenantId), eq(events.subjectType, "notification_fallback")));
    expect(written.map((e) => e.type).sort()).toEqual([
      eventTypes.notificationFallbackDeleted,
      eventTypes.notificationFallbackSaved,
      eventTypes.notificationFallbackSaved,
    ]);
  });

  it("refuses a fallback onto the same channel or an unknown one, naming the field", async () => {
    const same = await putFallback("sms", { toChannel: "sms" });
    expect(same.status).toBe(400);
    expect((await answerOf(same)).error.fields).toHaveProperty("toChannel");
    const unknown = await putFallback("sms", { toChannel: "fax" });
    expect(unknown.status).toBe(400);
    expect((await answerOf(unknown)).error.fields).toHaveProperty("toChannel");
    const badPath = await putFallback("pigeon", { toChannel: "sms" });
    expect(badPath.status).toBe(400);
    expect((await answerOf(badPath)).error.fields).toHaveProperty("fromChannel");
  });
});
