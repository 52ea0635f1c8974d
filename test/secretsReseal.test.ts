import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sealSecrets } from "../src/channelAccounts/sealedSettings.js";
import { channelAccountReader } from "../src/channelAccounts/service.js";
import { channelAccounts, tenantWebhookSecrets, webhookEndpoints } from "../src/db/schema/index.js";
import { pushSubscriptionStore, subscribe } from "../src/pushSubscriptions/service.js";
import { resealAll } from "../src/resealSecrets.js";
import { type Keyring, parseKeyring } from "../src/secrets/keyring.js";
import { keyIdOf } from "../src/secrets/secretBox.js";
import { createEndpoint } from "../src/webhooks/endpoints.js";
import { readSecret, secretRows } from "../src/webhooks/storedSecrets.js";
import { tenantWebhookSecret } from "../src/webhooks/tenantSecret.js";
import { spawnEntry } from "./support/process.js";
import { createTestHub, type TestHub, testChannelSecretKeys } from "./support/testHub.js";

const keyring = (text: string): Keyring => {
  const parsed = parseKeyring(text);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
};
const newKey = `next_1:${Buffer.alloc(32, 9).toString("base64")}`;
/** The test hub's key, and a new one put first: the state after an operator starts a rotation. */
const old = keyring(testChannelSecretKeys);
const rotated = keyring(`${newKey},${testChannelSecretKeys}`);
const newOnly = keyring(newKey);
const policy = {
  allowedNetworks: [{ address: "127.0.0.1", prefix: 32, family: "ipv4" as const }],
  httpsOnly: false,
};

let hub: TestHub;
let tenantId: string;
let endpointId: string;
let endpointSecret: string;
let ticketSecret: string;
beforeAll(async () => {
  hub = await createTestHub();
  ({ tenantId } = await hub.createTenantWithKey("reseal-bank", ["omni:read"]));
  // One of each sealed value, sealed with the old key.
  await hub.db.insert(channelAccounts).values({
    id: "cha_reseal",
    tenantId,
    channel: "sms",
    provider: "twilio",
    settings: { accountSid: `AC${"0123456789abcdef".repeat(2)}`, from: "+14155550100" },
    sealedSecrets: sealSecrets(old, tenantId, "sms", { authToken: "twilio-auth-token-0123456789" }),
  });
  const subscribed = await subscribe(
    hub.db,
    { keys: old, policy },
    tenantId,
    "cus_reseal",
    { endpoint: "http://127.0.0.1:9/push/reseal", keys: { p256dh: "BPub", auth: "auth" } },
    { type: "system" },
  );
  if (!subscribed.ok) throw new Error(subscribed.reason);
  const created = await createEndpoint(hub.db, policy, old, tenantId, {
    url: "http://127.0.0.1:9/hook",
    eventTypes: ["*"],
  });
  if (!created.ok) throw new Error(created.reason);
  endpointId = created.endpoint.id;
  endpointSecret = created.secret;
  ticketSecret = await tenantWebhookSecret(hub.db, old, tenantId);
});
afterAll(async () => {
  await hub?.close();
});

describe("re-sealing every secret under the current key", () => {
  it("moves each sealed value to the new key, so the old key can be removed; a second pass writes nothing", async () => {
    expect(await resealAll(hub.db, rotated)).toEqual({
      channelAccounts: { resealed: 1, unreadable: 0 },
      pushSubscriptions: { resealed: 1, unreadable: 0 },
      webhookSecrets: { resealed: 2, unreadable: 0 },
    });
    // Opened with the new key alone.
    expect((await channelAccountReader(hub.db, newOnly).find(tenantId, "sms"))?.settings).toMatchObject({
      authToken: "twilio-auth-token-0123456789",
    });
    expect(
      await pushSubscriptionStore(hub.db, newOnly).listForCustomer(tenantId, "cus_reseal"),
    ).toMatchObject([{ endpoint: "http://127.0.0.1:9/push/reseal", keys: { p256dh: "BPub", auth: "auth" } }]);
    const [endpoint] = await hub.db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, endpointId));
    expect(keyIdOf(endpoint?.secret ?? "")).toBe("next_1");
    expect(readSecret(newOnly, endpoint?.secret ?? "", secretRows.endpoint(tenantId, endpointId))).toBe(
      endpointSecret,
    );
    expect(await tenantWebhookSecret(hub.db, newOnly, tenantId)).toBe(ticketSecret);

    expect(await resealAll(hub.db, rotated)).toEqual({
      channelAccounts: { resealed: 0, unreadable: 0 },
      pushSubscriptions: { resealed: 0, unreadable: 0 },
      webhookSecrets: { resealed: 0, unreadable: 0 },
    });
  });

  it("counts and leaves alone what no listed key opens", async () => {
    const stranger = keyring(`stranger:${Buffer.alloc(32, 3).toString("base64")}`);
    const before = await hub.db
      .select()
      .from(tenantWebhookSecrets)
      .where(eq(tenantWebhookSecrets.tenantId, tenantId));
    expect(await resealAll(hub.db, stranger)).toEqual({
      channelAccounts: { resealed: 0, unreadable: 1 },
      pushSubscriptions: { resealed: 0, unreadable: 1 },
      webhookSecrets: { resealed: 0, unreadable: 2 },
    });
    expect(
      await hub.db.select().from(tenantWebhookSecrets).where(eq(tenantWebhookSecrets.tenantId, tenantId)),
    ).toEqual(before);
  });

  it("runs as `npm run cli -- secrets reseal`, and fails naming what it could not open", {
    timeout: 60_000,
  }, async () => {
    const run = (keys: string) => {
      const child = spawnEntry(
        "src/cli.ts",
        { DATABASE_URL: hub.database.url, LOG_LEVEL: "warn", CHANNEL_SECRET_KEYS: keys },
        ["secrets", "reseal"],
      );
      return child.exited.then((code) => ({ code, stdout: child.stdout(), stderr: child.stderr() }));
    };
    const back = await run(`${testChannelSecretKeys},${newKey}`);
    expect(back.code).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({ webhookSecrets: { resealed: 2, unreadable: 0 } });
    const lost = await run(`stranger:${Buffer.alloc(32, 3).toString("base64")}`);
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain("4 values are sealed under keys CHANNEL_SECRET_KEYS no longer lists");
  });
});
