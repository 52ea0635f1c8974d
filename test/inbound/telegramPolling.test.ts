import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTelegramPolling, type TelegramPolling } from "../../connectors/telegram/polling.js";
import { enqueueInbound } from "../../queues/handlers/inbound.js";
import { acceptInbound } from "../../src/inbound/intake.js";
import { createLogger } from "../../src/logger.js";
import { testRedisUrl } from "../support/env.js";
import { type InboundHub, inboundHub, textMessage, webhookSecret } from "./support.js";

let t: InboundHub;
const redis: Redis[] = [];

beforeAll(async () => {
  t = await inboundHub();
});

afterAll(async () => {
  for (const r of redis) r.disconnect();
  await t.close();
});

/** A gateway process's Telegram polling, against the fake Bot API, feeding the test hub's intake. */
function gateway(tenantIds: () => string[]): TelegramPolling {
  const connection = new Redis(testRedisUrl);
  redis.push(connection);
  return startTelegramPolling({
    redis: connection,
    keyPrefix: t.hub.prefix,
    accounts: async () =>
      tenantIds().map((tenantId) => ({
        tenantId,
        settings: { botToken: t.bot.token, apiRoot: t.bot.apiRoot, webhookSecret },
      })),
    intake: (messages) => acceptInbound(t.hub.db, enqueueInbound(t.hub.producer), messages),
    logger: createLogger({ level: "silent", pretty: false }),
    pollTimeoutSeconds: 1,
    refreshMs: 100,
  });
}

describe("Telegram long polling (gateway role)", () => {
  it("updates from getUpdates become tickets like webhook ones; one gateway polls a bot, a standby takes over", async () => {
    const { tenantId, key } = await t.tenantWithTelegram("tg-polling");
    const first = gateway(() => [tenantId]);
    const second = gateway(() => [tenantId]);
    try {
      await expect.poll(() => [...first.holding(), ...second.holding()]).toEqual([tenantId]);
      const [holder, standby] = first.holding().length > 0 ? [first, second] : [second, first];

      t.bot.pushUpdates([textMessage(700400, 1, "Saya tidak bisa login mobile banking")]);
      await expect.poll(async () => (await t.storedMessages(tenantId)).length).toBe(1);
      expect(await t.routed(tenantId, 700400, 1)).toEqual({ status: "routed", outcomes: ["ticket_created"] });
      // The webhook was removed before polling (Telegram refuses getUpdates while one is set).
      expect(t.bot.calls().some((c) => c.method === "deleteWebhook")).toBe(true);

      await holder.stop();
      await expect.poll(() => standby.holding()).toEqual([tenantId]);
      t.bot.pushUpdates([textMessage(700400, 2, "Sudah saya coba ulang, tetap gagal")]);
      await expect.poll(async () => (await t.storedMessages(tenantId)).length).toBe(2);
      expect(await t.routed(tenantId, 700400, 2)).toEqual({ status: "routed", outcomes: ["comment_added"] });

      // Whatever the standby was handed again (updates not yet confirmed) was a duplicate.
      const tickets = (await t.desk(key).get("/api/v1/desk/tickets")).body.data;
      expect(tickets).toHaveLength(1);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
