import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  ChannelAccount,
  OutboundMessage,
  WhatsAppCloudSettings,
  WhatsAppContent,
} from "../../connectors/contract.js";
import { buildSender, senderRegistry } from "../../connectors/registry.js";
import { checkWhatsAppCloudSettings } from "../../connectors/whatsapp/check.js";
import { whatsappCloudSender } from "../../connectors/whatsapp/cloudSender.js";
import { whatsappWebSender } from "../../connectors/whatsapp/webSender.js";
import { startGraphFake } from "../support/fakes/graphApi.js";
import { FakeWhatsAppWebClient } from "../support/fakes/whatsappWebClient.js";
import { closedPort, senderDeps } from "./senderDeps.js";

const graphAccount = {
  version: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token-0123456789",
};
let graph: Awaited<ReturnType<typeof startGraphFake>>;
beforeAll(async () => {
  graph = await startGraphFake(graphAccount);
});
afterAll(async () => {
  await graph.close();
});

const cloudSettings = (settings: Partial<WhatsAppCloudSettings> = {}): WhatsAppCloudSettings => ({
  phoneNumberId: graphAccount.phoneNumberId,
  accessToken: graphAccount.accessToken,
  appSecret: "0123456789abcdef0123456789abcdef",
  verifyToken: "verify-me-please",
  graphBaseUrl: `${graph.url}/${graphAccount.version}`,
  ...settings,
});
const cloud = (settings: Partial<WhatsAppCloudSettings> = {}): ChannelAccount<"whatsapp"> => ({
  tenantId: "ten_bank",
  channel: "whatsapp",
  provider: "cloud",
  enabled: true,
  updatedAt: new Date(),
  settings: cloudSettings(settings),
});
const web: ChannelAccount<"whatsapp"> = {
  tenantId: "ten_bank",
  channel: "whatsapp",
  provider: "web",
  enabled: true,
  updatedAt: new Date(),
  settings: {},
};

const message = (to: string, content: WhatsAppContent): OutboundMessage<"whatsapp"> => ({
  deliveryId: "dlv_wa_1",
  tenantId: "ten_bank",
  to,
  content,
});
const text = (to: string) =>
  message(to, { channel: "whatsapp", kind: "text", text: "Klaim Anda KLM-778 sedang diproses." });
const template = (to: string, name: string, parameters: string[]) =>
  message(to, { channel: "whatsapp", kind: "template", name, language: "id", parameters });

describe("WhatsApp Cloud API sender against a local fake Graph API", () => {
  it("posts a text message to the phone number's messages edge with the Bearer token and records the wamid", async () => {
    const result = await whatsappCloudSender(cloud(), senderDeps()).send(text("+62 812-3456-7890"));
    const sent = graph.messages.at(-1);
    expect(result).toEqual({ outcome: "sent", providerMessageId: sent?.wamid });
    expect(graph.requests.at(-1)?.path).toBe(`/v21.0/${graphAccount.phoneNumberId}/messages`);
    expect(sent?.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: "6281234567890",
      biz_opaque_callback_data: "dlv_wa_1",
      type: "text",
      text: { body: "Klaim Anda KLM-778 sedang diproses.", preview_url: false },
    });
  });

  it("sends an approved template with its language and body parameters", async () => {
    await whatsappCloudSender(cloud(), senderDeps()).send(
      template("+6281234567890", "claim_update", ["KLM-778", "diproses"]),
    );
    expect(graph.messages.at(-1)?.body).toMatchObject({
      type: "template",
      template: {
        name: "claim_update",
        language: { code: "id" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "KLM-778" },
              { type: "text", text: "diproses" },
            ],
          },
        ],
      },
    });
  });

  it("maps Meta's errors: undeliverable and a bad token permanent, throughput limits and no network transient", async () => {
    const sender = whatsappCloudSender(cloud(), senderDeps());
    expect(await sender.send(text("+15550000000"))).toEqual({
      outcome: "permanent",
      reason: "whatsapp 131026: Message undeliverable",
    });
    expect(await sender.send(text("+15550000429"))).toEqual({
      outcome: "transient",
      reason: "whatsapp 130429: Rate limit hit",
    });
    expect(
      await whatsappCloudSender(cloud({ accessToken: "EAAG-expired-token-000000000" }), senderDeps()).send(
        text("+6281"),
      ),
    ).toMatchObject({
      outcome: "permanent",
      reason: expect.stringMatching(/^whatsapp 190/),
    });
    const down = whatsappCloudSender(
      cloud({ graphBaseUrl: `http://127.0.0.1:${await closedPort()}/v21.0` }),
      senderDeps(),
    );
    expect((await down.send(text("+6281234567890"))).outcome).toBe("transient");
  });

  it("a reason quoting the account's token (Meta's 'Malformed access token ...') has it cut out by the registry", async () => {
    const leaky = cloud({ accessToken: "EAAG-expired-token-000000000" });
    const registry = senderRegistry(() => {
      throw new Error("not used");
    });
    const result = await buildSender(registry, leaky, senderDeps()).send(text("+6281234567890"));
    expect(result).toEqual({
      outcome: "permanent",
      reason: "whatsapp 190: Malformed access token [REDACTED]",
    });
  });

  it("checks settings by reading the phone number, naming the field to fix", async () => {
    const settings = cloudSettings();
    expect(await checkWhatsAppCloudSettings(settings, 2000)).toEqual({ ok: true });
    expect(
      await checkWhatsAppCloudSettings({ ...settings, accessToken: "EAAG-wrong-token-00000000000" }, 2000),
    ).toMatchObject({
      ok: false,
      field: "settings.accessToken",
    });
    expect(await checkWhatsAppCloudSettings({ ...settings, phoneNumberId: "999999999" }, 2000)).toMatchObject(
      {
        ok: false,
        field: "settings.phoneNumberId",
      },
    );
  });
});

describe("WhatsApp Web sender through the gateway's whatsapp-web.js client (a fake with the Client's methods)", () => {
  it("resolves the number's WhatsApp id and sends the text there, recording the serialized message id", async () => {
    const client = new FakeWhatsAppWebClient();
    client.registered.add("6281234567890");
    const sender = whatsappWebSender(
      web,
      senderDeps({ whatsappWebClient: (tenantId) => (tenantId === "ten_bank" ? client : undefined) }),
    );
    const result = await sender.send(text("+62 812-3456-7890"));
    expect(client.sent).toEqual([
      {
        chatId: "6281234567890@c.us",
        content: "Klaim Anda KLM-778 sedang diproses.",
        id: result.outcome === "sent" ? result.providerMessageId : "",
      },
    ]);
    expect(result).toEqual({
      outcome: "sent",
      providerMessageId: expect.stringMatching(/^true_6281234567890@c\.us_3EB0/),
    });
  });

  it("a number not on WhatsApp and a template are permanent; no ready session and a failing page are transient", async () => {
    const client = new FakeWhatsAppWebClient();
    const withClient = whatsappWebSender(web, senderDeps({ whatsappWebClient: () => client }));
    expect(await withClient.send(text("+6289999"))).toEqual({
      outcome: "permanent",
      reason: "whatsapp-web: the number is not on WhatsApp",
    });
    expect((await withClient.send(template("+6281", "t", []))).outcome).toBe("permanent");
    expect(client.sent).toEqual([]);
    expect(await whatsappWebSender(web, senderDeps()).send(text("+6281"))).toEqual({
      outcome: "transient",
      reason: "whatsapp-web: the session is not ready",
    });
    client.brokenWith = new Error("Protocol error: Target closed");
    expect(await withClient.send(text("+6281"))).toEqual({
      outcome: "transient",
      reason: "whatsapp-web: Protocol error: Target closed",
    });
  });
});
