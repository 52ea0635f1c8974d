import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayOutbox } from "../../queues/handlers/outboxRelay.js";
import { customerIdentities, events, sessionHandoffs, tickets } from "../../src/db/schema/index.js";
import { foldPendingActivity } from "../../src/sct07/analytics/fold.js";
import { docExamples } from "../support/serviceDesk.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

// biome-ignore lint/suspicious/noExplicitAny: tests read answers as JSON and assert on them.
type Json = Record<string, any>;
let hub: TestHub;
const scopes = [
  "customers:read",
  "customers:write",
  "sessions:read",
  "sessions:write",
  "analytics:read",
  "omnichannel:create",
];
let key: string;
let tenantId: string;

async function call(method: string, path: string, body?: unknown, as = key) {
  const res = await hub.request(path, {
    method,
    headers: {
      authorization: `Bearer ${as}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Json };
}

beforeAll(async () => {
  hub = await createTestHub();
  const res = await hub.adminRequest("/api/admin/tenants", {
    method: "POST",
    json: { slug: "sct07-bank", name: "SCT07 Bank", defaultRegion: "ID" },
  });
  expect(res.status).toBe(201);
  tenantId = ((await res.json()) as Json).data.id;
  const keyRes = await hub.adminRequest("/api/admin/api-keys", {
    method: "POST",
    json: { tenantId, name: "app", scopes },
  });
  key = ((await keyRes.json()) as Json).data.key;
});
afterAll(async () => {
  await hub.close();
});

async function newCustomer(body: Json = {}) {
  const res = await call("POST", "/api/v1/customers", { name: "John Doe", ...body });
  expect(res.status).toBe(201);
  return res.body;
}
async function openSession(customerId: string, channel = "WEB") {
  const res = await call("POST", "/api/v1/sessions", {
    customer_id: customerId,
    channel,
    device_id: "browser-1",
  });
  expect(res.status).toBe(201);
  return res.body.session_id as string;
}

describe("customers and identities", () => {
  it("normalises phones to E.164 with the tenant's region: 0812..., +62 812... and 62812... are one address", async () => {
    const a = await newCustomer({ phone: "0812-3456-7890", email: "John@Example.com" });
    expect(a.phone).toBe("+6281234567890");
    expect(a.email).toBe("john@example.com");
    for (const spelling of ["+62 812 3456 7890", "6281234567890"]) {
      const res = await call("POST", `/api/v1/customers/${a.customer_id}/identities`, {
        kind: "phone",
        value: spelling,
      });
      expect(res.status).toBe(200); // held already: the same address
    }
    const listed = await call("GET", "/api/v1/customers?kind=phone&value=0812%203456%207890");
    expect(listed.body.data.map((c: Json) => c.customer_id)).toEqual([a.customer_id]);
  });

  it("never takes an address from another customer: 409, recorded as a possible duplicate", async () => {
    const owner = await newCustomer({ email: "owner@example.com" });
    const other = await newCustomer({ name: "Other", email: "OWNER@example.com" });
    expect(other.email).toBeNull();
    expect(other.possible_duplicates).toEqual([
      { customer_id: owner.customer_id, kind: "email", value: "owner@example.com" },
    ]);
    const add = await call("POST", `/api/v1/customers/${other.customer_id}/identities`, {
      kind: "email",
      value: "owner@example.com",
      verified: true,
      verified_via: "otp",
    });
    expect(add.status).toBe(409);
    expect(add.body.error.fields).toEqual({ value: `held by ${owner.customer_id}` });
    const rows = await hub.db
      .select()
      .from(customerIdentities)
      .where(eq(customerIdentities.value, "owner@example.com"));
    expect(rows.map((r) => r.customerId)).toEqual([owner.customer_id]);
  });

  it("a ticket's contact matches over identities, and an address given through SCT07 links the service desk's ticket", async () => {
    const c = await newCustomer({
      identifier: "CIF-77",
      identities: [{ kind: "whatsapp", value: "0811 999 000" }],
    });
    const ticket = await call("POST", "/api/omnichannel/tickets", {
      ...docExamples.complaint,
      customer: { name: "Someone", phone: "0811-999-000" },
    });
    expect(ticket.status).toBe(201);
    const [row] = await hub.db.select().from(tickets).where(eq(tickets.id, ticket.body.ticketId));
    // whatsapp is not phone: a new customer holds the phone; the CIF customer keeps WhatsApp.
    expect(row?.customerId).not.toBe(c.customer_id);
    const byCif = await call("POST", "/api/omnichannel/tickets", {
      ...docExamples.complaint,
      customer: { name: "John", identifier: "CIF-77", email: "cif77@example.com" },
    });
    const [linked] = await hub.db.select().from(tickets).where(eq(tickets.id, byCif.body.ticketId));
    expect(linked?.customerId).toBe(c.customer_id);
    expect((await call("GET", `/api/v1/customers/${c.customer_id}`)).body.email).toBe("cif77@example.com");
  });

  it("a customer has one CIF: two in a body are a 400 naming the second, a second one added is a 409", async () => {
    const two = await call("POST", "/api/v1/customers", {
      name: "Two CIFs",
      identifier: "CIF-ONE",
      identities: [
        { kind: "email", value: "two@example.com" },
        { kind: "cif", value: "CIF-TWO" },
      ],
    });
    expect(two.status).toBe(400);
    expect(two.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: { "identities.1.value": expect.stringContaining("one CIF") },
    });
    const same = await newCustomer({
      identifier: "CIF-ONE",
      identities: [{ kind: "cif", value: "CIF-ONE" }],
    });
    expect(same.identities.map((i: Json) => i.kind)).toEqual(["cif"]);
    const second = await call("POST", `/api/v1/customers/${same.customer_id}/identities`, {
      kind: "cif",
      value: "CIF-OTHER",
    });
    expect(second.status).toBe(409);
    expect(second.body.error.fields).toEqual({ value: "the customer's CIF is CIF-ONE" });
    const rows = await hub.db
      .select()
      .from(customerIdentities)
      .where(eq(customerIdentities.value, "CIF-OTHER"));
    expect(rows).toEqual([]);
  });

  it("PATCH changes profile and preferences; bad input names the field in the /api/v1 format", async () => {
    const c = await newCustomer();
    const res = await call("PATCH", `/api/v1/customers/${c.customer_id}`, {
      preferred_language: "en",
      notification_channel: "PUSH",
      opt_outs: ["SMS"],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      preferred_language: "en",
      notification_channel: "PUSH",
      opt_outs: ["SMS"],
    });
    const bad = await call("PATCH", `/api/v1/customers/${c.customer_id}`, { notification_channel: "FAX" });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: "VALIDATION_FAILED",
      fields: { notification_channel: expect.any(String) },
    });
    expect((await call("GET", "/api/v1/customers/cus_nobody")).status).toBe(404);
  });

  it("DELETE removes one identity; the profile's primary goes with it", async () => {
    const c = await newCustomer({ email: "gone@example.com" });
    const id = c.identities[0].identity_id;
    expect((await call("DELETE", `/api/v1/customers/${c.customer_id}/identities/${id}`)).status).toBe(204);
    const after = await call("GET", `/api/v1/customers/${c.customer_id}`);
    expect(after.body.identities).toEqual([]);
    expect(after.body.email).toBeNull();
    expect((await call("DELETE", `/api/v1/customers/${c.customer_id}/identities/${id}`)).status).toBe(404);
  });

  it("merge moves identities, tickets, sessions and timeline in one go; the merged id answers with the survivor", async () => {
    const survivor = await newCustomer({ email: "keep@example.com" });
    const merged = await newCustomer({ name: "Dup", phone: "+6281100000777" });
    const ticket = await call("POST", "/api/omnichannel/tickets", {
      ...docExamples.complaint,
      customer: { name: "Dup", phone: "+6281100000777" },
    });
    const session = await openSession(merged.customer_id);
    const res = await call("POST", "/api/v1/customers/merge", {
      survivor_id: survivor.customer_id,
      merged_id: merged.customer_id,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: survivor.customer_id,
      email: "keep@example.com",
      phone: "+6281100000777",
    });
    expect(res.body.identities.map((i: Json) => i.kind).sort()).toEqual(["email", "phone"]);
    expect((await call("GET", `/api/v1/customers/${merged.customer_id}`)).body.customer_id).toBe(
      survivor.customer_id,
    );
    const [t] = await hub.db.select().from(tickets).where(eq(tickets.id, ticket.body.ticketId));
    expect(t?.customerId).toBe(survivor.customer_id);
    expect((await call("GET", `/api/v1/sessions/${session}`)).body.customer_id).toBe(survivor.customer_id);
    const timeline = await hub.db
      .select()
      .from(events)
      .where(and(eq(events.tenantId, tenantId), eq(events.customerId, merged.customer_id)));
    expect(timeline).toEqual([]);
    const mergedEvents = await hub.db
      .select()
      .from(events)
      .where(and(eq(events.customerId, survivor.customer_id), eq(events.type, "customer.merged")));
    expect(mergedEvents.map((e) => e.payload)).toEqual([
      { survivorId: survivor.customer_id, mergedId: merged.customer_id },
    ]);
    const again = await call("POST", "/api/v1/customers/merge", {
      survivor_id: survivor.customer_id,
      merged_id: merged.customer_id,
    });
    expect(again.status).toBe(409);
    const a = await newCustomer({ identifier: "CIF-M-A" });
    const b = await newCustomer({ identifier: "CIF-M-B" });
    expect(
      (
        await call("POST", "/api/v1/customers/merge", {
          survivor_id: a.customer_id,
          merged_id: b.customer_id,
        })
      ).status,
    ).toBe(409);
  });
});

describe("sessions, handoff and resume (the document's examples)", () => {
  it("hands a web session over to iOS and resumes it with the context, on the customer's timeline", async () => {
    const c = await newCustomer();
    const source = await openSession(c.customer_id);
    const handoff = await call("POST", "/api/v1/sessions/handoff", {
      source_session_id: source,
      target_channel: "MOBILE_IOS",
      context: { current_flow: "PAYMENT", transaction_draft_id: "draft_abc789" },
    });
    expect(handoff.status).toBe(201);
    expect(handoff.body).toEqual({
      handoff_token: expect.stringMatching(/^ho_[A-Za-z0-9_-]{43}$/),
      expires_at: expect.any(String),
      target_channel: "MOBILE_IOS",
      context_preserved: true,
    });
    const ttl = new Date(handoff.body.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(4 * 60_000);
    expect(ttl).toBeLessThanOrEqual(5 * 60_000);
    // Stored as a hash only.
    const stored = await hub.db
      .select()
      .from(sessionHandoffs)
      .where(eq(sessionHandoffs.sourceSessionId, source));
    expect(JSON.stringify(stored)).not.toContain(handoff.body.handoff_token);

    const resume = await call("POST", "/api/v1/sessions/resume", {
      handoff_token: handoff.body.handoff_token,
      channel: "MOBILE_IOS",
      device_id: "device_abc123",
    });
    expect(resume.status).toBe(200);
    expect(resume.body).toEqual({
      session_id: expect.stringMatching(/^sess_/),
      customer_id: c.customer_id,
      context: { current_flow: "PAYMENT", transaction_draft_id: "draft_abc789" },
      handoff_complete: true,
    });
    expect((await call("GET", `/api/v1/sessions/${source}`)).body).toMatchObject({
      status: "closed",
      closed_reason: "handed_off",
    });
    const types = (await hub.db.select().from(events).where(eq(events.customerId, c.customer_id))).map(
      (e) => e.type,
    );
    expect(types).toEqual(expect.arrayContaining(["session.handoff_requested", "session.handoff_completed"]));

    const profile = await call("GET", `/api/v1/customers/${c.customer_id}/profile/unified`);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({
      customer_id: c.customer_id,
      profile: { name: "John Doe", email: null, phone: null },
      channels: {
        web: { last_active: expect.any(String), sessions: 1 },
        mobile_ios: { last_active: expect.any(String), sessions: 1 },
      },
      preferences: { notification_channel: null, preferred_language: null },
    });
  });

  it("each failed resume has its own 4xx and changes nothing", async () => {
    const c = await newCustomer();
    const source = await openSession(c.customer_id);
    const token = (
      await call("POST", "/api/v1/sessions/handoff", {
        source_session_id: source,
        target_channel: "MOBILE_ANDROID",
      })
    ).body.handoff_token as string;
    const resume = (channel: string, as = key, t = token) =>
      call("POST", "/api/v1/sessions/resume", { handoff_token: t, channel }, as);
    expect((await resume("MOBILE_ANDROID", key, "ho_unknown")).status).toBe(404);
    const wrong = await resume("MOBILE_IOS");
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.fields).toEqual({ channel: "the token is for MOBILE_ANDROID" });
    const other = await hub.createTenantWithKey("sct07-other", scopes);
    const foreign = await resume("MOBILE_ANDROID", other.key);
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.fields).toEqual({ handoff_token: "issued to another tenant" });
    // None of those used the token up.
    expect((await resume("MOBILE_ANDROID")).status).toBe(200);
    expect((await resume("MOBILE_ANDROID")).status).toBe(409);
  });

  it("a context PostgreSQL cannot store, or nested past any limit, is a 400 naming it", async () => {
    const c = await newCustomer();
    const source = await openSession(c.customer_id);
    const handoff = (context: unknown) =>
      call("POST", "/api/v1/sessions/handoff", { source_session_id: source, target_channel: "API", context });
    // Nested deeper than JSON.stringify can recurse (written by hand: the test could not stringify it).
    const deep = `${'{"a":'.repeat(5000)}"leaf"${"}".repeat(5000)}`;
    const tooDeep = await hub.request("/api/v1/sessions/handoff", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: `{"source_session_id":"${source}","target_channel":"API","context":{"a\\u0000y":${deep}}}`,
    });
    expect(tooDeep.status).toBe(400);
    expect(((await tooDeep.json()) as Json).error.fields).toEqual({
      context: "must be at most 16384 bytes as JSON",
    });
    const nul = await handoff({ "a\u0000y": { flow: "PAYMENT" } });
    expect(nul.status).toBe(400);
    expect(nul.body.error.fields).toEqual({
      context: "has a key that must not contain NUL characters or unpaired UTF-16 surrogates",
    });
    const lone = await handoff({ flow: "\ud800" });
    expect(lone.body.error.fields).toEqual({
      "context.flow": "must not contain NUL characters or unpaired UTF-16 surrogates",
    });
    // None of them made a handoff.
    const made = await hub.db
      .select()
      .from(sessionHandoffs)
      .where(eq(sessionHandoffs.sourceSessionId, source));
    expect(made).toEqual([]);
  });

  it("an expired token is 410 (expiry is configurable)", async () => {
    const short = await createTestHub({ HANDOFF_TOKEN_TTL_MS: "1000" });
    try {
      const bank = await short.createTenantWithKey("sct07-short", scopes);
      const ask = async (method: string, path: string, body: unknown) => {
        const res = await short.request(path, {
          method,
          headers: { authorization: `Bearer ${bank.key}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Json };
      };
      const c = await ask("POST", "/api/v1/customers", { name: "Short" });
      const s = await ask("POST", "/api/v1/sessions", { customer_id: c.body.customer_id, channel: "WEB" });
      const h = await ask("POST", "/api/v1/sessions/handoff", {
        source_session_id: s.body.session_id,
        target_channel: "API",
      });
      await short.db.update(sessionHandoffs).set({ expiresAt: new Date(Date.now() - 1) });
      const r = await ask("POST", "/api/v1/sessions/resume", {
        handoff_token: h.body.handoff_token,
        channel: "API",
      });
      expect(r.status).toBe(410);
      expect(r.body.error.code).toBe("GONE");
    } finally {
      await short.close();
    }
  });

  it("of twenty concurrent resumes of one token exactly one succeeds", async () => {
    const c = await newCustomer();
    const source = await openSession(c.customer_id);
    const token = (
      await call("POST", "/api/v1/sessions/handoff", { source_session_id: source, target_channel: "WEB" })
    ).body.handoff_token;
    const answers = await Promise.all(
      Array.from({ length: 20 }, () =>
        call("POST", "/api/v1/sessions/resume", { handoff_token: token, channel: "WEB" }),
      ),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array(19).fill(409)]);
    const sessions = await call("GET", `/api/v1/customers/${c.customer_id}/profile/unified`);
    expect(sessions.body.channels.web.sessions).toBe(2);
  });
});

describe("levels", () => {
  it("a basic tenant's handoff is 403 saying its level does not include it; its channels are limited", async () => {
    const basic = await hub.createTenantWithKey("sct07-basic", scopes);
    const patch = await hub.adminRequest(`/api/admin/tenants/${basic.tenantId}`, {
      method: "PATCH",
      json: { level: "basic" },
    });
    expect(((await patch.json()) as Json).data.level).toBe("basic");
    const as = (m: string, p: string, b: unknown) => call(m, p, b, basic.key);
    const c = await as("POST", "/api/v1/customers", { name: "Basic" });
    expect(
      (await as("POST", "/api/v1/sessions", { customer_id: c.body.customer_id, channel: "WHATSAPP" })).status,
    ).toBe(403);
    const s = await as("POST", "/api/v1/sessions", { customer_id: c.body.customer_id, channel: "WEB" });
    const h = await as("POST", "/api/v1/sessions/handoff", {
      source_session_id: s.body.session_id,
      target_channel: "MOBILE_IOS",
    });
    expect(h.status).toBe(403);
    expect(h.body.error.message).toBe("This tenant's level (basic) does not include session handoff");
    const standard = await hub.adminRequest(`/api/admin/tenants/${basic.tenantId}`, {
      method: "PATCH",
      json: { level: "standard" },
    });
    expect(standard.status).toBe(200);
    const h2 = await as("POST", "/api/v1/sessions/handoff", {
      source_session_id: s.body.session_id,
      target_channel: "MOBILE_IOS",
    });
    expect(h2.status).toBe(201);
  });
});

describe("GET /api/v1/analytics/channels", () => {
  it("counts active users, transactions and completed handoffs the same before and after the relay and the fold", async () => {
    const bank = await hub.createTenantWithKey("sct07-analytics", scopes);
    const as = (m: string, p: string, b?: unknown) => call(m, p, b, bank.key);
    const ids: string[] = [];
    for (const name of ["A", "B"])
      ids.push((await as("POST", "/api/v1/customers", { name })).body.customer_id);
    const web = [];
    for (const id of ids)
      web.push((await as("POST", "/api/v1/sessions", { customer_id: id, channel: "WEB" })).body.session_id);
    await as("POST", "/api/v1/sessions", { customer_id: ids[0], channel: "WEB" });
    const token = (
      await as("POST", "/api/v1/sessions/handoff", {
        source_session_id: web[0],
        target_channel: "MOBILE_IOS",
      })
    ).body.handoff_token;
    await as("POST", "/api/v1/sessions/resume", { handoff_token: token, channel: "MOBILE_IOS" });
    await as("POST", "/api/omnichannel/tickets", {
      ...docExamples.complaint,
      customer: { name: "T", email: "t@example.com" },
    });
    const expected = {
      channels: [
        { channel: "WEB", active_users: 2, transactions: 0 },
        { channel: "MOBILE_IOS", active_users: 1, transactions: 0 },
        { channel: docExamples.complaint.channel, active_users: 1, transactions: 1 },
      ],
      cross_channel_journeys: 1,
    };
    const live = await as("GET", "/api/v1/analytics/channels");
    expect(live.status).toBe(200);
    expect(live.body).toEqual(expected);
    while ((await relayOutbox(hub.db, hub.producer, [])) > 0);
    expect((await as("GET", "/api/v1/analytics/channels")).body).toEqual(expected);
    await foldPendingActivity(hub.db);
    expect((await as("GET", "/api/v1/analytics/channels")).body).toEqual(expected);
    // A window that ended in the past counts its events directly.
    const past = await as(
      "GET",
      `/api/v1/analytics/channels?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`,
    );
    expect(past.body).toEqual({ channels: [], cross_channel_journeys: 0 });
    const wide = await as(
      "GET",
      `/api/v1/analytics/channels?from=${new Date(Date.now() - 3600_000).toISOString()}&to=${new Date(Date.now() + 60_000).toISOString()}`,
    );
    expect(wide.body).toEqual(expected);
    const bad = await as("GET", "/api/v1/analytics/channels?from=yesterday");
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(["from"]);
  });
});
