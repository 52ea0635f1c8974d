import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeDestination, parseCidr } from "../../src/webhooks/destinationPolicy.js";
import { docExamples, partnerOf } from "../support/serviceDesk.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

const strict = { allowedNetworks: [] };

describe("which webhook URLs a partner may store", () => {
  it.each([
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "http://2130706433/",
    "http://0x7f.1/",
    "http://0/",
    "http://10.1.2.3/hook",
    "http://172.20.0.5/hook",
    "http://192.168.1.10/hook",
    "http://100.64.0.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://localhost:3000/api/admin/tenants",
    "http://api.localhost/hook",
    "http://redis/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://printer.local/hook",
  ])("refuses %s", (url) => {
    expect(judgeDestination(url, strict)).toMatchObject({ allowed: false });
  });

  it.each(["https://your-system.com/webhook", "https://8.8.8.8/hook", "http://[2606:4700::1111]/hook"])(
    "accepts %s",
    (url) => {
      expect(judgeDestination(url, strict)).toEqual({ allowed: true });
    },
  );

  it("refuses credentials and non-http schemes, and lets an allow-list open chosen networks only", () => {
    const open = {
      allowedNetworks: [parseCidr("127.0.0.0/8"), parseCidr("::1")].filter((c) => c !== undefined),
    };
    expect(judgeDestination("https://user:secret@your-system.com/hook", open)).toMatchObject({
      allowed: false,
    });
    expect(judgeDestination("ftp://your-system.com/hook", open)).toMatchObject({ allowed: false });
    expect(judgeDestination("http://127.0.0.1:9999/hook", open)).toEqual({ allowed: true });
    expect(judgeDestination("http://[::1]:9999/hook", open)).toEqual({ allowed: true });
    expect(judgeDestination("http://[::ffff:127.0.0.1]:9999/hook", open)).toEqual({ allowed: true });
    expect(judgeDestination("http://10.0.0.1/hook", open)).toMatchObject({ allowed: false });
    expect(judgeDestination("http://169.254.169.254/", open)).toMatchObject({ allowed: false });
  });

  it("reads allow-lists as CIDRs or bare addresses, and nothing else", () => {
    expect(parseCidr("10.0.0.0/8")).toEqual({ address: "10.0.0.0", prefix: 8, family: "ipv4" });
    expect(parseCidr("::1")).toEqual({ address: "::1", prefix: 128, family: "ipv6" });
    for (const bad of ["10.0.0.0/33", "10.0.0.0/", "example.com", "10.0.0.0/8/1", "fd00::/129", ""]) {
      expect(parseCidr(bad)).toBeUndefined();
    }
  });
});

describe("integration.webhookUrl on ticket and claim creation", () => {
  let hub: TestHub;
  let openHub: TestHub;
  beforeAll(async () => {
    hub = await createTestHub();
    openHub = await createTestHub({ WEBHOOK_ALLOWED_NETWORKS: "10.0.0.0/8, 127.0.0.1" });
  });
  afterAll(async () => {
    await hub.close();
    await openHub.close();
  });

  const withWebhook = (webhookUrl: string) => ({
    ...docExamples.ticket,
    integration: { ...docExamples.ticket.integration, webhookUrl, requestId: undefined },
  });

  it("a ticket whose webhook points at cloud metadata is a 400 naming the field", async () => {
    const partner = await partnerOf(hub, "ssrf-bank");
    const res = await partner.post("/api/omnichannel/tickets", withWebhook("http://169.254.169.254/latest"));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      success: false,
      errors: { "integration.webhookUrl": expect.stringMatching(/private, loopback or link-local/) },
    });
    const claim = await partner.post("/api/omnichannel/claims", {
      ...docExamples.claim,
      integration: { webhookUrl: "http://localhost:6379/" },
    });
    expect(claim.status).toBe(400);
    expect(claim.body.errors).toHaveProperty(["integration.webhookUrl"]);
  });

  it("a public webhook URL is stored as before", async () => {
    const partner = await partnerOf(hub, "public-hook-bank");
    const res = await partner.post(
      "/api/omnichannel/tickets",
      withWebhook("https://your-system.com/webhook"),
    );
    expect(res.status).toBe(201);
  });

  it("an operator can allow destinations on the hub's own network", async () => {
    const partner = await partnerOf(openHub, "lan-bank");
    const res = await partner.post("/api/omnichannel/tickets", withWebhook("http://10.0.0.7/hook"));
    expect(res.status).toBe(201);
  });
});
