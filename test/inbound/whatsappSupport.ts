import { createHmac, randomBytes } from "node:crypto";
import { startGraphFake } from "../support/fakes/graphApi.js";
import type { TestHub } from "../support/testHub.js";
import type { InboundHub } from "./support.js";

export const cloudAccount = {
  version: "v21.0",
  phoneNumberId: "106540352242922",
  accessToken: "EAAG-test-access-token-0123456789",
  appSecret: "0123456789abcdef0123456789abcdef",
  verifyToken: "verify-token-abc",
};

export type GraphFake = Awaited<ReturnType<typeof startGraphFake>>;

export const startCloudGraph = () => startGraphFake(cloudAccount);

/** Gives a tenant a WhatsApp account on the Cloud API, pointed at the fake Graph API. */
export async function saveCloudAccount(
  hub: Pick<TestHub, "adminRequest">,
  tenantId: string,
  graph: GraphFake,
) {
  const res = await hub.adminRequest(`/api/admin/tenants/${tenantId}/channels/whatsapp`, {
    method: "PUT",
    json: {
      provider: "cloud",
      enabled: true,
      settings: {
        phoneNumberId: cloudAccount.phoneNumberId,
        accessToken: cloudAccount.accessToken,
        appSecret: cloudAccount.appSecret,
        verifyToken: cloudAccount.verifyToken,
        graphBaseUrl: `${graph.url}/${cloudAccount.version}`,
      },
    },
  });
  if (res.status !== 201) throw new Error(`whatsapp account: ${res.status} ${await res.text()}`);
}

/** A tenant (with the desk's agents) whose WhatsApp account is the Cloud API on the fake Graph API. */
export async function tenantWithWhatsAppCloud(t: InboundHub, graph: GraphFake, slug: string) {
  const credentials = await t.tenantWithTelegram(slug);
  await saveCloudAccount(t.hub, credentials.tenantId, graph);
  return credentials;
}

export const wamid = () => `wamid.${randomBytes(18).toString("base64url")}`;

/** One customer message as Meta puts it in `value.messages[]`. */
export function cloudText(from: string, text: string, at = new Date()) {
  return {
    from,
    id: wamid(),
    timestamp: String(Math.floor(at.getTime() / 1000)),
    type: "text",
    text: { body: text },
  };
}

/** A change for the account's number, carrying messages and the senders' profiles. */
export function messagesChange(
  messages: ReadonlyArray<Record<string, unknown>>,
  profiles: Record<string, string> = {},
  phoneNumberId = cloudAccount.phoneNumberId,
) {
  return {
    field: "messages",
    value: {
      messaging_product: "whatsapp",
      metadata: { display_phone_number: "15550100", phone_number_id: phoneNumberId },
      contacts: Object.entries(profiles).map(([waId, name]) => ({ profile: { name }, wa_id: waId })),
      messages,
    },
  };
}

/** Meta's webhook body: one entry per list of changes. */
export const cloudBody = (...entries: ReadonlyArray<ReadonlyArray<Record<string, unknown>>>) => ({
  object: "whatsapp_business_account",
  entry: entries.map((changes) => ({ id: "WABA1", changes })),
});

/** Meta posting to the hub, signing the raw bytes with the app secret. */
export function postCloud(
  t: { hub: Pick<TestHub, "request"> },
  tenantId: string,
  body: unknown,
  secret = cloudAccount.appSecret,
) {
  const raw = JSON.stringify(body);
  return t.hub.request(`/api/webhooks/whatsapp/${tenantId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`,
    },
    body: raw,
  });
}
