import { readdirSync } from "node:fs";
import { join } from "node:path";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { idempotencyKeys, tickets } from "../src/db/schema/index.js";
import { pruneIdempotencyKeys, runIdempotent } from "../src/idempotency/service.js";
import { docExamples, type Partner, partnerOf, tinyPngBase64 } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let partner: Partner;
beforeAll(async () => {
  hub = await createTestHub();
  partner = await partnerOf(hub, "idem-bank");
});
afterAll(async () => {
  await hub.close();
});

const ticketsOf = async (tenantId: string) =>
  hub.db.select({ id: tickets.id }).from(tickets).where(eq(tickets.tenantId, tenantId));

const withRequestId = (requestId: string) => ({
  ...docExamples.ticket,
  integration: { ...docExamples.ticket.integration, requestId },
});

describe("idempotency by integration.requestId and Idempotency-Key", () => {
  it("a retried request returns the first response and creates no second ticket", async () => {
    const before = (await ticketsOf(partner.tenantId)).length;
    const first = await partner.post("/api/omnichannel/tickets", withRequestId("req-retry-1"));
    const retry = await partner.post("/api/omnichannel/tickets", withRequestId("req-retry-1"));
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect((await ticketsOf(partner.tenantId)).length).toBe(before + 1);
  });

  it("key order in the body does not make a retry a different request", async () => {
    const body = withRequestId("req-order-1");
    const first = await partner.post("/api/omnichannel/tickets", body);
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const retry = await partner.post("/api/omnichannel/tickets", reordered);
    expect(retry.body.ticketNumber).toBe(first.body.ticketNumber);
  });

  it("the same key with another body is a 409", async () => {
    await partner.post("/api/omnichannel/tickets", withRequestId("req-conflict-1"));
    const other = withRequestId("req-conflict-1");
    const res = await partner.post("/api/omnichannel/tickets", {
      ...other,
      ticket: { ...other.ticket, description: "something else entirely" },
    });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({
      success: false,
      message: "Idempotency key already used with a different request",
      errors: { idempotencyKey: "req-conflict-1 was first used with another request body" },
    });
  });

  it("claims honour the Idempotency-Key header", async () => {
    const headers = { "idempotency-key": "claim-key-1" };
    const first = await partner.post("/api/omnichannel/claims", docExamples.claim, headers);
    const retry = await partner.post("/api/omnichannel/claims", docExamples.claim, headers);
    expect(retry.body).toEqual(first.body);
    const different = await partner.post(
      "/api/omnichannel/claims",
      { ...docExamples.claim, nominal: 1 },
      headers,
    );
    expect(different.status).toBe(409);
  });

  it("keys are per tenant: another tenant's identical requestId creates its own ticket", async () => {
    const other = await partnerOf(hub, "idem-other-bank");
    const mine = await partner.post("/api/omnichannel/tickets", withRequestId("req-shared-1"));
    const theirs = await other.post("/api/omnichannel/tickets", withRequestId("req-shared-1"));
    expect(theirs.status).toBe(201);
    expect(theirs.body.ticketId).not.toBe(mine.body.ticketId);
  });

  it("twenty concurrent identical requests create exactly one ticket and all get its answer", async () => {
    const body = withRequestId("req-burst-1");
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => partner.post("/api/omnichannel/tickets", body)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    expect(new Set(answers.map((a) => a.body.ticketId)).size).toBe(1);
    const created = await hub.db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(eq(tickets.tenantId, partner.tenantId), eq(tickets.requestId, "req-burst-1")));
    expect(created).toHaveLength(1);
  });
});

describe("attachments of retried requests", () => {
  it("a replay stores no second copy of the bytes", async () => {
    const body = {
      ...withRequestId("req-attach-1"),
      attachments: [{ filename: "shot.png", mimeType: "image/png", size: 100, content: tinyPngBase64 }],
    };
    const first = await partner.post("/api/omnichannel/tickets", body);
    const retry = await partner.post("/api/omnichannel/tickets", body);
    expect(retry.body).toEqual(first.body);
    const stored = readdirSync(join(hub.blobDir, partner.tenantId));
    expect(stored).toHaveLength(1);
  });
});

describe("idempotency keys belong to the partner that sent them", () => {
  it("two keys of one tenant using the same requestId each get their own ticket", async () => {
    const keyRes = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: partner.tenantId, name: "second partner", scopes: ["omnichannel:create"] },
    });
    const second = ((await keyRes.json()) as { data: { key: string } }).data.key;
    const before = (await ticketsOf(partner.tenantId)).length;
    const mine = await partner.post("/api/omnichannel/tickets", withRequestId("req_123456789"));
    const body = withRequestId("req_123456789");
    const theirs = await hub.request("/api/omnichannel/tickets", {
      method: "POST",
      headers: { authorization: `Bearer ${second}`, "content-type": "application/json" },
      body: JSON.stringify({ ...body, ticket: { ...body.ticket, description: "another partner's report" } }),
    });
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("idempotent-replayed")).toBeNull();
    const theirTicket = (await theirs.json()) as { ticketNumber: string };
    expect(theirTicket.ticketNumber).not.toBe(mine.body.ticketNumber);
    expect((await ticketsOf(partner.tenantId)).length).toBe(before + 2);
  });
});

describe("the idempotency window", () => {
  const claim = (key: string) => ({
    tenantId: partner.tenantId,
    scope: "test.window",
    key,
    request: { a: 1 },
  });
  const hour = 3600_000;

  it("replays for at least 24 hours and starts afresh once the key expired", async () => {
    const t0 = new Date("2030-01-01T00:00:00Z");
    let runs = 0;
    const create = async () => {
      runs++;
      return { run: runs };
    };
    expect(await runIdempotent(hub.db, claim("w1"), create, t0)).toEqual({
      outcome: "fresh",
      result: { run: 1 },
    });
    const dayLater = new Date(t0.getTime() + 24 * hour + 1000);
    expect(await runIdempotent(hub.db, claim("w1"), create, dayLater)).toEqual({
      outcome: "replayed",
      result: { run: 1 },
    });
    const muchLater = new Date(t0.getTime() + 49 * hour);
    expect(await runIdempotent(hub.db, claim("w1"), create, muchLater)).toEqual({
      outcome: "fresh",
      result: { run: 2 },
    });
  });

  it("the prune deletes expired keys a batch at a time, at most so many a run, and keeps live ones", async () => {
    const t0 = new Date("2031-01-01T00:00:00Z");
    await pruneIdempotencyKeys(hub.db, t0); // the other tests' keys, all expired by then
    for (let n = 0; n < 25; n++) await runIdempotent(hub.db, claim(`old-${n}`), async () => ({ n }), t0);
    const fresh = new Date(t0.getTime() + 40 * hour);
    for (let n = 0; n < 3; n++) await runIdempotent(hub.db, claim(`new-${n}`), async () => ({ n }), fresh);
    const prunedAt = new Date(t0.getTime() + 50 * hour);
    const left = async () =>
      (
        await hub.db
          .select({ key: idempotencyKeys.key })
          .from(idempotencyKeys)
          .where(
            and(eq(idempotencyKeys.tenantId, partner.tenantId), eq(idempotencyKeys.scope, "test.window")),
          )
      )
        .map((r) => r.key)
        .filter((key) => key.startsWith("old-") || key.startsWith("new-"));
    // Two statements of ten: twenty gone, five left for the next run.
    expect(await pruneIdempotencyKeys(hub.db, prunedAt, { batchSize: 10, maxBatches: 2 })).toBe(20);
    expect((await left()).filter((key) => key.startsWith("old-"))).toHaveLength(5);
    expect(await pruneIdempotencyKeys(hub.db, prunedAt, { batchSize: 10, maxBatches: 2 })).toBe(5);
    expect((await left()).sort()).toEqual(["new-0", "new-1", "new-2"]);
    expect(await pruneIdempotencyKeys(hub.db, prunedAt)).toBe(0);
  });

  it("a failed first attempt leaves the key free for the retry", async () => {
    await expect(
      runIdempotent(hub.db, claim("w2"), async () => {
        throw new Error("database hiccup");
      }),
    ).rejects.toThrow("hiccup");
    expect(await runIdempotent(hub.db, claim("w2"), async () => ({ ok: true }))).toEqual({
      outcome: "fresh",
      result: { ok: true },
    });
  });
});
