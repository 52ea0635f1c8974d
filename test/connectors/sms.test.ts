import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelAccount, OutboundMessage } from "../../connectors/contract.js";
import { checkSmsSettings } from "../../connectors/sms/check.js";
import { twilioSender } from "../../connectors/sms/twilioSender.js";
import { startTwilioFake } from "../support/fakes/twilioApi.js";
import { closedPort, senderDeps } from "./senderDeps.js";

const credentials = { accountSid: `AC${"a1".repeat(16)}`, authToken: "f".repeat(32) };
let twilio: Awaited<ReturnType<typeof startTwilioFake>>;
beforeAll(async () => {
  twilio = await startTwilioFake(credentials);
});
afterAll(async () => {
  await twilio.close();
});

const account = (settings: Partial<ChannelAccount<"sms">["settings"]> = {}): ChannelAccount<"sms"> => ({
  tenantId: "ten_bank",
  channel: "sms",
  provider: "twilio",
  enabled: true,
  updatedAt: new Date(),
  settings: { ...credentials, from: "+14155550100", apiBaseUrl: twilio.url, ...settings },
});

const sms = (to: string): OutboundMessage<"sms"> => ({
  deliveryId: "dlv_sms_1",
  tenantId: "ten_bank",
  to,
  content: { channel: "sms", text: "Kode OTP Anda 482913. Jangan berikan kepada siapa pun." },
});

describe("SMS sender: twilio's client against a local fake Twilio API", () => {
  it("creates the message with the account's sender and the tenant's status callback URL, and records its SID", async () => {
    const result = await twilioSender(account(), senderDeps()).send(sms("+6281234567890"));
    expect(result.outcome).toBe("sent");
    const created = twilio.messages.at(-1);
    expect(result).toEqual({ outcome: "sent", providerMessageId: created?.sid });
    expect(created).toMatchObject({
      to: "+6281234567890",
      from: "+14155550100",
      body: "Kode OTP Anda 482913. Jangan berikan kepada siapa pun.",
      statusCallback: "https://hub.bank.example/api/webhooks/sms/ten_bank/status",
    });
    const request = twilio.requests.at(-1);
    expect(request?.headers["content-type"]).toMatch(/^application\/x-www-form-urlencoded/);
    expect(request?.path).toBe(`/2010-04-01/Accounts/${credentials.accountSid}/Messages.json`);
  });

  it("sends through a Messaging Service when the account's sender is one", async () => {
    const service = `MG${"b2".repeat(16)}`;
    await twilioSender(account({ from: service }), senderDeps()).send(sms("+6281234567891"));
    expect(twilio.messages.at(-1)).toMatchObject({ to: "+6281234567891", messagingServiceSid: service });
    expect(twilio.messages.at(-1)).not.toHaveProperty("from");
  });

  it("maps Twilio's refusals to permanent, its 5xx and a dead network to transient", async () => {
    const sender = twilioSender(account(), senderDeps());
    expect(await sender.send(sms("+15005550001"))).toEqual({
      outcome: "permanent",
      reason: "twilio 21211: The 'To' number +15005550001 is not a valid phone number.",
    });
    expect(await sender.send(sms("+15005550009"))).toMatchObject({
      outcome: "permanent",
      reason: expect.stringMatching(/^twilio 21614/),
    });
    expect(await sender.send(sms("+15005550500"))).toMatchObject({ outcome: "transient" });
    const wrongToken = twilioSender(account({ authToken: "0".repeat(32) }), senderDeps());
    expect(await wrongToken.send(sms("+6281234567890"))).toMatchObject({
      outcome: "permanent",
      reason: expect.stringMatching(/^twilio 20003/),
    });
    const unreachable = twilioSender(
      account({ apiBaseUrl: `http://127.0.0.1:${await closedPort()}` }),
      senderDeps(),
    );
    expect(await unreachable.send(sms("+6281234567890"))).toMatchObject({ outcome: "transient" });
  });

  it("sends the library's own request: its Basic auth, User-Agent and form body, on kept connections", async () => {
    const sender = twilioSender(account(), senderDeps());
    const before = twilio.requests.length;
    await sender.send(sms("+6281234567892"));
    await sender.send(sms("+6281234567893"));
    const [first, second] = twilio.requests.slice(before);
    const basic = Buffer.from(`${credentials.accountSid}:${credentials.authToken}`).toString("base64");
    expect(first?.method).toBe("POST");
    expect(first?.headers.authorization).toBe(`Basic ${basic}`);
    expect(first?.headers["user-agent"]).toMatch(/^twilio-node\//);
    expect(first?.headers.accept).toBe("application/json");
    expect(Object.fromEntries(new URLSearchParams(first?.body.toString("utf8")))).toEqual({
      To: "+6281234567892",
      From: "+14155550100",
      Body: "Kode OTP Anda 482913. Jangan berikan kepada siapa pun.",
      StatusCallback: "https://hub.bank.example/api/webhooks/sms/ten_bank/status",
    });
    expect(second?.headers.connection).toBe("keep-alive");
  });

  it("gives up on a Twilio API that takes the request and never answers, within the provider timeout", async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as { port: number };
    try {
      const sender = twilioSender(
        account({ apiBaseUrl: `http://127.0.0.1:${port}` }),
        senderDeps({ timeoutMs: 300 }),
      );
      expect(await sender.send(sms("+6281234567894"))).toMatchObject({
        outcome: "transient",
        reason: expect.stringMatching(/did not answer within 300 ms/),
      });
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it("checks settings by fetching the account, naming the field to fix", async () => {
    expect(await checkSmsSettings(account().settings, 2000)).toEqual({ ok: true });
    expect(await checkSmsSettings({ ...account().settings, authToken: "0".repeat(32) }, 2000)).toMatchObject({
      ok: false,
      field: "settings.authToken",
    });
    expect(
      await checkSmsSettings(
        { ...account().settings, apiBaseUrl: `http://127.0.0.1:${await closedPort()}` },
        2000,
      ),
    ).toMatchObject({ ok: false, field: "settings.apiBaseUrl" });
  });
});
