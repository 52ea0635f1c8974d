import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { metadataMaxBytes } from "../src/serviceDesk/schemas.js";
import { docExamples, type Partner, partnerOf } from "./support/serviceDesk.js";
import { bearer, createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let partner: Partner;
let deskKey: string;
beforeAll(async () => {
  hub = await createTestHub();
  partner = await partnerOf(hub, "nul-bank");
  deskKey = (await hub.createTenantWithKey("nul-desk", ["desk:read"])).key;
});
afterAll(async () => {
  await hub.close();
});

const unstorable = "must not contain NUL characters or unpaired UTF-16 surrogates";
/** A fresh ticket body (no idempotency key), with `ticket` and `customer` changed as given. */
const ticketWith = (ticket: Record<string, unknown>, customer: Record<string, unknown> = {}) => ({
  ...docExamples.ticket,
  integration: undefined,
  customer: { ...docExamples.ticket.customer, ...customer },
  ticket: { ...docExamples.ticket.ticket, ...ticket },
});
const nested = (depth: number) => {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { a: value };
  return value as Record<string, unknown>;
};

describe("values PostgreSQL cannot store are a 400 naming the field", () => {
  it("in service-desk bodies, in the service desk's envelope", async () => {
    const description = await partner.post(
      "/api/omnichannel/tickets",
      ticketWith({ description: "a\u0000b" }),
    );
    expect(description.status).toBe(400);
    expect(description.body).toEqual({
      success: false,
      message: "Validation failed",
      errors: { "ticket.description": unstorable },
    });

    const name = await partner.post("/api/omnichannel/tickets", ticketWith({}, { name: "Jane \ud800" }));
    expect(name.status).toBe(400);
    expect(name.body.errors).toEqual({ "customer.name": unstorable });

    const claim = await partner.post("/api/omnichannel/claims", {
      ...docExamples.claim,
      namaNasabah: "\u0000",
    });
    expect(claim.status).toBe(400);
    expect(claim.body.errors).toEqual({ namaNasabah: unstorable });

    const comment = await partner.patch("/api/omnichannel/tickets/12345", {
      action: "ADD_COMMENT",
      comment: "\udc00",
    });
    expect(comment.status).toBe(400);
    expect(comment.body.errors).toEqual({ comment: unstorable });
  });

  it("in admin bodies, in the v1 error shape", async () => {
    const tenant = await hub.adminRequest("/api/admin/tenants", {
      method: "POST",
      json: { slug: "nul-tenant", name: "Bank\u0000" },
    });
    expect(tenant.status).toBe(400);
    expect(await tenant.json()).toMatchObject({
      error: { code: "VALIDATION_FAILED", fields: { name: unstorable } },
    });

    const key = await hub.adminRequest("/api/admin/api-keys", {
      method: "POST",
      json: { tenantId: partner.tenantId, name: "k\u0000", scopes: ["omnichannel:read"] },
    });
    expect(key.status).toBe(400);
    expect(await key.json()).toMatchObject({
      error: { code: "VALIDATION_FAILED", fields: { name: unstorable } },
    });
  });

  it("in path parameters, by name", async () => {
    const ticket = await partner.get("/api/omnichannel/tickets/%00");
    expect(ticket.status).toBe(400);
    expect(ticket.body.errors).toEqual({ ticketNumber: unstorable });

    const services = await hub.adminRequest("/api/admin/tenants/%00/services");
    expect(services.status).toBe(400);
    expect(await services.json()).toMatchObject({ error: { fields: { tenantId: unstorable } } });
  });

  it("in query values, by name", async () => {
    const desk = await hub.request("/api/v1/desk/tickets?assignee=%00", { headers: bearer(deskKey) });
    expect(desk.status).toBe(400);
    expect(await desk.json()).toMatchObject({ error: { fields: { assignee: unstorable } } });

    const keys = await hub.adminRequest("/api/admin/api-keys?tenantId=%00");
    expect(keys.status).toBe(400);
    expect(await keys.json()).toMatchObject({ error: { fields: { tenantId: unstorable } } });
  });

  it("in object keys, naming the object", async () => {
    const res = await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: { "a\u0000": 1 } }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({ "ticket.metadata": `has a key that ${unstorable}` });
  });

  it("keeps text that only looks unusual: paired surrogates (emoji), other control characters", async () => {
    const res = await partner.post(
      "/api/omnichannel/tickets",
      ticketWith({ description: "Tidak bisa login 😞\ttab\u0001", metadata: { "emoji 👍": "✓" } }),
    );
    expect(res.status).toBe(201);
  });
});

describe("limits", () => {
  it("JSON nested about 3,000 deep is a 400 naming the field, not a RangeError", async () => {
    const res = await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: nested(3000) }));
    expect(res.status).toBe(400);
    expect(Object.keys(res.body.errors)).toEqual(["ticket.metadata"]);
  });

  it("JSON nested past 32 levels is a 400 naming where it went too deep", async () => {
    const res = await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: nested(40) }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      [`ticket.metadata${".a".repeat(30)}`]: "must not nest deeper than 32 levels",
    });
  });

  it("nesting within the cap is kept as sent", async () => {
    const res = await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: nested(25) }));
    expect(res.status).toBe(201);
    const detail = await partner.get(`/api/omnichannel/tickets/${res.body.ticketNumber}`);
    expect(detail.body.metadata).toEqual(nested(25));
  });

  it("metadata larger than its cap is a 400 naming ticket.metadata", async () => {
    const big = { note: "x".repeat(metadataMaxBytes) };
    const res = await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: big }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual({
      "ticket.metadata": `Metadata must be at most ${metadataMaxBytes} bytes as JSON`,
    });

    const fits = { note: "x".repeat(metadataMaxBytes - 20) };
    expect((await partner.post("/api/omnichannel/tickets", ticketWith({ metadata: fits }))).status).toBe(201);
  });
});
