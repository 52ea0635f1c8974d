import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docExamples, type Partner, partnerOf } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
let bankA: Partner;
let bankB: Partner;
let ticketOfA: { ticketNumber: string; ticketId: string };

beforeAll(async () => {
  hub = await createTestHub({ RATE_LIMIT_PER_MINUTE: "0" });
  bankA = await partnerOf(hub, "sec-bank-a");
  bankB = await partnerOf(hub, "sec-bank-b");
  const res = await bankA.post("/api/omnichannel/tickets", {
    ...docExamples.ticket,
    channelReferenceId: "wa_secret_a",
    integration: undefined,
  });
  ticketOfA = res.body as typeof ticketOfA;
});
afterAll(async () => {
  await hub.close();
});

describe("permissions as documented", () => {
  it.each([
    [
      "omnichannel:create",
      "POST",
      "/api/omnichannel/claims",
      "Insufficient permissions to create omnichannel tickets",
    ],
    [
      "omnichannel:create",
      "POST",
      "/api/omnichannel/tickets",
      "Insufficient permissions to create omnichannel tickets",
    ],
    [
      "omnichannel:read",
      "GET",
      "/api/omnichannel/tickets?ticketNumber=1",
      "Insufficient permissions to read omnichannel tickets",
    ],
    [
      "omnichannel:read",
      "GET",
      "/api/omnichannel/tickets/1",
      "Insufficient permissions to read omnichannel tickets",
    ],
    [
      "omnichannel:read",
      "GET",
      "/api/omnichannel/tickets/1/attachments/att_0",
      "Insufficient permissions to read omnichannel tickets",
    ],
    [
      "omnichannel:update",
      "PATCH",
      "/api/omnichannel/tickets/1",
      "Insufficient permissions to update omnichannel tickets",
    ],
  ])("without %s, %s %s is 403", async (scope, method, path, message) => {
    const others = ["omnichannel:create", "omnichannel:read", "omnichannel:update"].filter(
      (s) => s !== scope,
    );
    const limited = await partnerOf(
      hub,
      `sec-${scope.replace(":", "-")}-${method.toLowerCase()}-${path.length}`,
      others,
    );
    const body =
      method === "GET" ? undefined : method === "PATCH" ? docExamples.addComment : docExamples.claim;
    const res =
      method === "GET"
        ? await limited.get(path)
        : method === "PATCH"
          ? await limited.patch(path, body)
          : await limited.post(path, body);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ success: false, message, errors: { scope: `${scope} is required` } });
  });

  it("401 Unauthorized without a valid key, whichever header carries it", async () => {
    const attempts: Array<Record<string, string>> = [
      {},
      { "x-api-key": "sbk_wrong" },
      { authorization: "Bearer sbk_wrong" },
    ];
    for (const headers of attempts) {
      const res = await hub.request("/api/omnichannel/claims", {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify(docExamples.claim),
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ success: false, message: "Unauthorized", errors: {} });
    }
    const viaHeader = await hub.request("/api/omnichannel/claims", {
      method: "POST",
      headers: { "x-api-key": bankA.key, "content-type": "application/json" },
      body: JSON.stringify(docExamples.claim),
    });
    expect(viaHeader.status).toBe(201);
  });
});

describe("tenant isolation", () => {
  it("another tenant's key finds nothing by number or by channel reference, and cannot change the ticket", async () => {
    expect((await bankB.get(`/api/omnichannel/tickets?ticketNumber=${ticketOfA.ticketNumber}`)).status).toBe(
      404,
    );
    expect((await bankB.get("/api/omnichannel/tickets?channelReferenceId=wa_secret_a")).status).toBe(404);
    expect((await bankB.get(`/api/omnichannel/tickets/${ticketOfA.ticketNumber}`)).status).toBe(404);
    expect(
      (await bankB.patch(`/api/omnichannel/tickets/${ticketOfA.ticketNumber}`, docExamples.updateStatus))
        .status,
    ).toBe(404);
    const mine = await bankA.get(`/api/omnichannel/tickets?ticketNumber=${ticketOfA.ticketNumber}`);
    expect(mine.body.status).toBe("OPEN");
  });

  it("another tenant cannot download the ticket's attachments", async () => {
    const added = await bankA.patch(
      `/api/omnichannel/tickets/${ticketOfA.ticketNumber}`,
      docExamples.addAttachment,
    );
    const url = `/api/omnichannel/tickets/${ticketOfA.ticketNumber}/attachments/${added.body.result.attachments[0].id}`;
    expect((await bankA.raw(url)).status).toBe(200);
    expect((await bankB.raw(url)).status).toBe(404);
  });
});

describe("rate limits per key", () => {
  it("answers 429 with Retry-After once a key spent its minute, in the family's envelope; other keys go on", async () => {
    const limited = await createTestHub({ RATE_LIMIT_PER_MINUTE: "3" });
    try {
      const one = await partnerOf(limited, "rl-one");
      const two = await partnerOf(limited, "rl-two");
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push(await one.get("/api/omnichannel/tickets?ticketNumber=1"));
      expect(statuses.map((s) => s.status)).toEqual([404, 404, 404, 429]);
      expect(statuses[0]?.headers.get("ratelimit-limit")).toBe("3");
      expect(statuses[0]?.headers.get("ratelimit-remaining")).toBe("2");
      const refused = statuses[3];
      expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(refused?.body).toEqual({ success: false, message: "Too many requests", errors: {} });
      expect((await two.get("/api/omnichannel/tickets?ticketNumber=1")).status).toBe(404);
    } finally {
      await limited.close();
    }
  });
});
