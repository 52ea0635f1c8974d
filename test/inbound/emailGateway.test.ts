import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTransport } from "nodemailer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningHub } from "../../src/hub.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { type SmtpFake, startSmtpFake } from "../support/fakes/smtpServer.js";
import { startProcessHub } from "../support/processHub.js";
import { deleteRedisKeys, testRedisPrefix } from "../support/redis.js";
import { testAdminToken } from "../support/testHub.js";

let database: TestDatabase;
let hub: RunningHub;
let smtp: SmtpFake;
const prefix = testRedisPrefix();
const dataDir = mkdtempSync(join(tmpdir(), "sbt-mail-gateway-"));

beforeAll(async () => {
  smtp = await startSmtpFake();
  database = await createTestDatabase();
  hub = await startProcessHub(
    { databaseUrl: database.url, redisPrefix: prefix, dataDir },
    { INBOUND_SMTP_PORT: "0" },
  );
});

afterAll(async () => {
  await hub?.stop();
  await smtp?.close();
  await database?.drop();
  await deleteRedisKeys(prefix);
  rmSync(dataDir, { recursive: true, force: true });
});

const admin = (path: string, method: string, body: unknown) =>
  fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${testAdminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("the SMTP listener in a started hub (ROLE=all runs the gateway)", () => {
  it("takes a customer's mail for a tenant's address end to end and refuses other addresses", async () => {
    expect(hub.smtpPort).toBeGreaterThan(0);
    expect((await admin("/api/admin/tenants", "POST", { slug: "bank-mail", name: "Bank Mail" })).status).toBe(
      201,
    );
    const account = await admin("/api/admin/tenants/bank-mail/channels/email", "PUT", {
      provider: "smtp",
      enabled: true,
      settings: {
        host: smtp.host,
        port: smtp.port,
        secure: false,
        from: "Bank Mail <cs@bank-mail.example>",
      },
    });
    expect([200, 201]).toContain(account.status);

    const client = createTransport({ host: "127.0.0.1", port: hub.smtpPort, secure: false, ignoreTLS: true });
    try {
      // Without inboundAddress, the account's From address is where customers write.
      await client.sendMail({
        from: "dina@customer.example",
        to: "cs@bank-mail.example",
        subject: "Tidak bisa login",
        text: "Aplikasi mobile banking menolak password saya.",
      });
      // Stored, relayed, routed and acknowledged by the hub's own workers: as long as a loaded machine needs.
      await expect
        .poll(() => smtp.received.some((m) => m.envelope.to.includes("dina@customer.example")), {
          timeout: 15_000,
        })
        .toBe(true);
      const [received] = smtp.received.filter((m) => m.envelope.to.includes("dina@customer.example"));
      expect(received?.parsed.text).toMatch(/nomor tiket \d+/);
      expect(received?.parsed.replyTo?.value[0]?.address).toMatch(/^cs\+[a-p]{24}@bank-mail\.example$/);

      await expect(
        client.sendMail({ from: "dina@customer.example", to: "sales@bank-mail.example", text: "Halo" }),
      ).rejects.toMatchObject({ responseCode: 550 });
    } finally {
      client.close();
    }
  });
});
