import { Writable } from "node:stream";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { channelAccountReader } from "../../src/channelAccounts/service.js";
import { parseKeyring } from "../../src/secrets/keyring.js";
import { startGraphFake } from "../support/fakes/graphApi.js";
import { newVapidKeys } from "../support/fakes/pushService.js";
import { startSmtpFake } from "../support/fakes/smtpServer.js";
import { startTelegramFake } from "../support/fakes/telegramBotApi.js";
import { startTwilioFake } from "../support/fakes/twilioApi.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

const botToken = "7012345678:AAH3xampleTokenForTheFakeBotApi_0123";
const twilioAccount = { accountSid: `AC${"c3".repeat(16)}`, authToken: "9".repeat(32) };
const graphAccount = {
  version: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token-0123456789",
};
const smtpLogin = { user: "notifier", pass: "smtp-pass-XYZ" };
const secrets = [
  botToken,
  "tg-hook-secret-0123456789",
  twilioAccount.authToken,
  graphAccount.accessToken,
  smtpLogin.pass,
  "app-secret-0123456789abcdef",
  "verify-token-abc",
];

let hub: TestHub;
let tenantId: string;
let telegram: Awaited<ReturnType<typeof startTelegramFake>>;
let twilio: Awaited<ReturnType<typeof startTwilioFake>>;
let graph: Awaited<ReturnType<typeof startGraphFake>>;
let smtp: Awaited<ReturnType<typeof startSmtpFake>>;
const logLines: string[] = [];

beforeAll(async () => {
  telegram = await startTelegramFake({ tokens: [botToken] });
  twilio = await startTwilioFake(twilioAccount);
  graph = await startGraphFake(graphAccount);
  smtp = await startSmtpFake(smtpLogin);
  const logs = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  hub = await createTestHub(
    { PUBLIC_BASE_URL: "https://hub.bank.example/", LOG_LEVEL: "debug", PROVIDER_TIMEOUT_MS: "2000" },
    logs,
  );
  tenantId = (await hub.createTenantWithKey("channel-bank", ["omni:read"])).tenantId;
});
afterAll(async () => {
  await hub?.close();
  await Promise.all([telegram?.close(), twilio?.close(), graph?.close(), smtp?.close()]);
});

const put = (channel: string, body: unknown, tenant = tenantId) =>
  hub.adminRequest(`/api/admin/tenants/${tenant}/channels/${channel}`, { method: "PUT", json: body });
type View = {
  data: {
    channel: string;
    provider: string;
    enabled: boolean;
    settings: Record<string, unknown>;
    webhookUrls: { inbound: string | null; status: string | null };
  };
};
type ErrorBody = { error: { code: string; fields?: Record<string, string> } };

const telegramBody = () => ({
  provider: "telegram",
  settings: { botToken, apiRoot: telegram.url, webhookSecret: "tg-hook-secret-0123456789" },
});
const smsBody = () => ({
  provider: "twilio",
  enabled: true,
  settings: { ...twilioAccount, from: "+14155550100", apiBaseUrl: twilio.url },
});

describe("channel accounts: PUT / GET / DELETE /api/admin/tenants/{tenantId}/channels", () => {
  it("saves a Telegram account after getMe, redacts its secrets and shows the webhook URL to give Telegram", async () => {
    const created = await put("telegram", telegramBody());
    expect(created.status).toBe(201);
    const view = ((await created.json()) as View).data;
    expect(view).toMatchObject({
      channel: "telegram",
      provider: "telegram",
      enabled: true,
      settings: { botToken: "[REDACTED]", webhookSecret: "[REDACTED]", apiRoot: telegram.url },
      webhookUrls: { inbound: `https://hub.bank.example/api/webhooks/telegram/${tenantId}`, status: null },
    });
    expect(telegram.requests.some((r) => r.path === `/bot${botToken}/getMe`)).toBe(true);
    expect((await put("telegram", { ...telegramBody(), enabled: false })).status).toBe(200);
  });

  it("saves every channel's provider, each checked against its fake", async () => {
    const vapid = newVapidKeys();
    const cases: Array<[string, unknown, number]> = [
      [
        "email",
        {
          provider: "smtp",
          settings: {
            host: smtp.host,
            port: smtp.port,
            secure: false,
            ...smtpLogin,
            from: "Bank <noreply@bank.example>",
          },
        },
        201,
      ],
      ["sms", smsBody(), 201],
      [
        "whatsapp",
        {
          provider: "cloud",
          settings: {
            phoneNumberId: graphAccount.phoneNumberId,
            accessToken: graphAccount.accessToken,
            appSecret: "app-secret-0123456789abcdef",
            verifyToken: "verify-token-abc",
            graphBaseUrl: `${graph.url}/v21.0`,
          },
        },
        201,
      ],
      [
        "push",
        {
          provider: "webpush",
          settings: {
            vapidPublicKey: vapid.publicKey,
            vapidPrivateKey: vapid.privateKey,
            subject: "mailto:push@bank.example",
          },
        },
        201,
      ],
      ["in_app", { provider: "in_app" }, 201],
    ];
    for (const [channel, body, status] of cases) {
      const res = await put(channel, body);
      expect(res.status, `${channel}: ${await res.clone().text()}`).toBe(status);
    }
    const listed = (await (await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels`)).json()) as {
      data: View["data"][];
    };
    expect(listed.data.map((a) => a.channel)).toEqual([
      "email",
      "in_app",
      "push",
      "sms",
      "telegram",
      "whatsapp",
    ]);
    const sms = listed.data.find((a) => a.channel === "sms");
    expect(sms?.settings.authToken).toBe("[REDACTED]");
    expect(sms?.webhookUrls).toEqual({
      inbound: `https://hub.bank.example/api/webhooks/sms/${tenantId}`,
      status: `https://hub.bank.example/api/webhooks/sms/${tenantId}/status`,
    });
    expect(listed.data.find((a) => a.channel === "push")?.settings.vapidPrivateKey).toBe("[REDACTED]");
    const whatsapp = listed.data.find((a) => a.channel === "whatsapp");
    expect(whatsapp?.settings).toMatchObject({
      accessToken: "[REDACTED]",
      appSecret: "[REDACTED]",
      verifyToken: "[REDACTED]",
    });
    expect(whatsapp?.webhookUrls.inbound).toBe(`https://hub.bank.example/api/webhooks/whatsapp/${tenantId}`);
    expect(JSON.stringify(listed)).not.toMatch(
      new RegExp(secrets.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")),
    );
  });

  it("stores no secret in clear, in the account or its events, and the reader opens them for senders", async () => {
    const dump = JSON.stringify([
      await hub.db.execute(sql`SELECT * FROM channel_accounts`),
      await hub.db.execute(sql`SELECT * FROM events WHERE type LIKE 'channel_account.%'`),
    ]);
    for (const secret of secrets) expect(dump).not.toContain(secret);
    expect(dump).toContain("channel_account.saved");
    const reader = channelAccountReader(hub.db, hub.config.channels.secretKeys);
    const account = await reader.find(tenantId, "telegram");
    expect(account).toMatchObject({
      provider: "telegram",
      enabled: false,
      settings: { botToken, webhookSecret: "tg-hook-secret-0123456789" },
    });
  });

  it("a secret left out keeps the stored one; another provider must bring its own", async () => {
    const { authToken: _left, ...withoutToken } = smsBody().settings;
    const res = await put("sms", { provider: "twilio", settings: { ...withoutToken, from: "BANKEXAMPLE" } });
    expect(res.status).toBe(200);
    const account = await channelAccountReader(hub.db, hub.config.channels.secretKeys).find(tenantId, "sms");
    expect(account?.settings).toMatchObject({ authToken: twilioAccount.authToken, from: "BANKEXAMPLE" });
    // What a GET shows, edited and PUT back, keeps the stored secrets.
    const shown = (
      (await (await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels`)).json()) as {
        data: View["data"][];
      }
    ).data;
    const email = shown.find((a) => a.channel === "email");
    expect(email?.settings.pass).toBe("[REDACTED]");
    expect(
      (
        await put("email", {
          provider: "smtp",
          settings: { ...email?.settings, from: "Bank Two <noreply@bank.example>" },
        })
      ).status,
    ).toBe(200);
    expect(
      (await channelAccountReader(hub.db, hub.config.channels.secretKeys).find(tenantId, "email"))?.settings,
    ).toMatchObject({
      pass: smtpLogin.pass,
      from: "Bank Two <noreply@bank.example>",
    });
    const moved = await put("whatsapp", { provider: "web", settings: {} });
    expect(moved.status).toBe(200);
    const back = await put("whatsapp", {
      provider: "cloud",
      settings: { phoneNumberId: graphAccount.phoneNumberId, graphBaseUrl: `${graph.url}/v21.0` },
    });
    expect(back.status).toBe(400);
    expect(((await back.json()) as ErrorBody).error.fields).toEqual({
      "settings.accessToken": "is required",
      "settings.appSecret": "is required",
      "settings.verifyToken": "is required",
    });
  });

  it("answers 400 naming the field: malformed settings, a provider of another channel, a check that fails", async () => {
    const cases: Array<[string, unknown, Record<string, string>]> = [
      [
        "telegram",
        { provider: "telegram", settings: { botToken: "not-a-token-not-a-token", webhookSecret: "x" } },
        {
          "settings.botToken": "must be a bot token as BotFather gives it (digits:characters)",
          "settings.webhookSecret": "must be at least 16 characters",
        },
      ],
      [
        "email",
        { provider: "twilio", settings: smsBody().settings },
        { provider: "is not a provider of email" },
      ],
      [
        "sms",
        { provider: "twilio", settings: { ...smsBody().settings, from: "not a number!" } },
        {
          "settings.from":
            "must be an E.164 number, a Messaging Service SID (MG...) or an alphanumeric sender id",
        },
      ],
      [
        "email",
        {
          provider: "smtp",
          settings: { host: "smtp.bank.example", from: "noreply@bank.example", hostname: "x" },
        },
        {
          settings: 'Unrecognized key: "hostname"',
        },
      ],
      [
        "email",
        {
          provider: "smtp",
          settings: { host: "smtp.bank.example", from: "noreply@bank.example", maxConnections: 0 },
        },
        { "settings.maxConnections": "must be 1 to 50" },
      ],
      [
        "push",
        { provider: "webpush", settings: { ...newVapidKeys(), subject: "mailto:a@b.example" } },
        {
          "settings.vapidPublicKey": "is required",
          settings: 'Unrecognized keys: "publicKey", "privateKey"',
        },
      ],
      [
        "telegram",
        {
          provider: "telegram",
          settings: { ...telegramBody().settings, botToken: "7012345678:AAHrevokedTokenRevokedToken_00000" },
        },
        {
          "settings.botToken": "Telegram refused the token: Unauthorized",
        },
      ],
      [
        "sms",
        { provider: "twilio", settings: { ...smsBody().settings, authToken: "1".repeat(32) } },
        {
          "settings.authToken": "Twilio refused the Account SID and token",
        },
      ],
      [
        "nope",
        { provider: "in_app" },
        { channel: "must be one of email, sms, telegram, whatsapp, push, in_app" },
      ],
      [
        "in_app",
        { provider: "pigeon" },
        { provider: "must be one of smtp, twilio, telegram, cloud, web, webpush, in_app" },
      ],
    ];
    for (const [channel, body, fields] of cases) {
      const res = await put(channel, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = ((await res.json()) as ErrorBody).error;
      expect(error.code).toBe("VALIDATION_FAILED");
      expect(error.fields, JSON.stringify(body)).toEqual(fields);
    }
    const vapid = newVapidKeys();
    const mismatched = await put("push", {
      provider: "webpush",
      settings: {
        vapidPublicKey: newVapidKeys().publicKey,
        vapidPrivateKey: vapid.privateKey,
        subject: "mailto:a@b.example",
      },
    });
    expect(((await mismatched.json()) as ErrorBody).error.fields).toEqual({
      "settings.vapidPublicKey": "is not the public half of vapidPrivateKey",
    });
  });

  it("never writes a secret to the log, whatever the outcome", () => {
    const log = logLines.join("");
    expect(log).toContain("/api/admin/tenants/:tenantId/channels/:channel");
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it("deletes an account once; unknown tenants are 404; without the admin token, 401", async () => {
    const gone = await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/in_app`, {
      method: "DELETE",
    });
    expect(gone.status).toBe(204);
    expect(
      (await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/in_app`, { method: "DELETE" })).status,
    ).toBe(404);
    expect((await put("in_app", { provider: "in_app" }, "ten_nobody")).status).toBe(404);
    expect((await hub.adminRequest("/api/admin/tenants/ten_nobody/channels")).status).toBe(404);
    const anonymous = await hub.request(`/api/admin/tenants/${tenantId}/channels`);
    expect(anonymous.status).toBe(401);
    const events = (await hub.db.execute(
      sql`SELECT type, payload FROM events WHERE type = 'channel_account.deleted'`,
    )) as unknown as {
      rows: unknown[];
    };
    expect(events.rows).toEqual([
      { type: "channel_account.deleted", payload: { channel: "in_app", provider: "in_app" } },
    ]);
  });

  it("opens accounts sealed with a key that is no longer current (rotation), and not without that key", async () => {
    const oldKeys = hub.config.channels.secretKeys;
    const oldText = `test:${Buffer.alloc(32, 7).toString("base64")}`;
    const rotated = parseKeyring(`next:${Buffer.alloc(32, 9).toString("base64")},${oldText}`);
    const withoutOld = parseKeyring(`next:${Buffer.alloc(32, 9).toString("base64")}`);
    if (typeof rotated === "string" || typeof withoutOld === "string" || !oldKeys)
      throw new Error("keyrings");
    expect((await channelAccountReader(hub.db, rotated).find(tenantId, "telegram"))?.settings).toMatchObject({
      botToken,
    });
    await expect(channelAccountReader(hub.db, withoutOld).find(tenantId, "telegram")).rejects.toThrow(
      /no longer holds/,
    );
  });
});

describe("channel accounts without CHANNEL_SECRET_KEYS", () => {
  it("refuses to store credentials (503 naming the variable) and still takes an account without any", async () => {
    const bare = await createTestHub({ CHANNEL_SECRET_KEYS: "" });
    try {
      const { tenantId: other } = await bare.createTenantWithKey("no-keys-bank", ["omni:read"]);
      const getMeCalls = () => telegram.requests.filter((r) => r.path.endsWith("/getMe")).length;
      const before = getMeCalls();
      const refused = await bare.adminRequest(`/api/admin/tenants/${other}/channels/telegram`, {
        method: "PUT",
        json: telegramBody(),
      });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
        "CHANNEL_SECRET_KEYS",
      );
      // Refused before the provider is asked: nothing to check what cannot be kept.
      expect(getMeCalls()).toBe(before);
      const plain = await bare.adminRequest(`/api/admin/tenants/${other}/channels/in_app`, {
        method: "PUT",
        json: { provider: "in_app" },
      });
      expect(plain.status).toBe(201);
    } finally {
      await bare.close();
    }
  });
});
