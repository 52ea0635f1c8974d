import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tickets } from "../../src/db/schema/index.js";
import { docExamples, type Partner, partnerOf } from "../support/serviceDesk.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

let hub: TestHub;
let first: Partner;
let second: Partner;
beforeAll(async () => {
  hub = await createTestHub();
  first = await partnerOf(hub, "numbers-a");
  second = await partnerOf(hub, "numbers-b");
});
afterAll(async () => {
  await hub.close();
});

const create = async (partner: Partner) => {
  const res = await partner.post("/api/omnichannel/tickets", {
    ...docExamples.ticket,
    integration: { ...docExamples.ticket.integration, requestId: undefined },
  });
  expect(res.status).toBe(201);
  return Number(res.body.ticketNumber);
};

describe("ticket numbers count per tenant", () => {
  it("another tenant's tickets do not move a tenant's numbers", async () => {
    const a1 = await create(first);
    for (let i = 0; i < 5; i++) await create(second);
    const a2 = await create(first);
    // One global counter would have put the other tenant's five tickets between these two.
    expect(a2).toBe(a1 + 1);
  });

  it("starts every tenant at 10000 and keeps numbers unique and increasing under concurrency", async () => {
    const fresh = await partnerOf(hub, "numbers-c");
    const numbers = await Promise.all(Array.from({ length: 20 }, () => create(fresh)));
    expect(new Set(numbers).size).toBe(20);
    expect(Math.min(...numbers)).toBe(10000);
    const later = await create(fresh);
    expect(later).toBeGreaterThan(Math.max(...numbers));
  });

  it("the same number in two tenants finds each tenant's own ticket", async () => {
    const x = await partnerOf(hub, "numbers-x");
    const y = await partnerOf(hub, "numbers-y");
    const nx = await create(x);
    const ny = await create(y);
    expect(nx).toBe(ny);
    const readX = await x.get(`/api/omnichannel/tickets/${nx}`);
    const readY = await y.get(`/api/omnichannel/tickets/${ny}`);
    expect(readX.status).toBe(200);
    expect(readY.status).toBe(200);
    const rows = await hub.db
      .select({ tenantId: tickets.tenantId })
      .from(tickets)
      .where(eq(tickets.number, nx));
    expect(rows.map((r) => r.tenantId)).toEqual(expect.arrayContaining([x.tenantId, y.tenantId]));
  });
});
