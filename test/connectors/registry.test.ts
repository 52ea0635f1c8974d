import { describe, expect, it } from "vitest";
import type { ChannelAccount, Sender, SenderFactory } from "../../connectors/contract.js";
import { createSenderCache, senderRegistry } from "../../connectors/registry.js";
import { senderDeps } from "./senderDeps.js";

describe("sender registry and cache", () => {
  it("builds a sender once per account version and closes the one an account change replaces", async () => {
    const built: string[] = [];
    const closed: string[] = [];
    const inApp: SenderFactory<"in_app"> = (account): Sender<"in_app"> => {
      const name = `${account.tenantId}@${account.updatedAt.getTime()}`;
      built.push(name);
      return {
        channel: "in_app",
        async send() {
          return { outcome: "sent", providerMessageId: name };
        },
        close() {
          closed.push(name);
        },
      };
    };
    const cache = createSenderCache(senderRegistry(inApp), senderDeps());
    const account = (at: number): ChannelAccount<"in_app"> => ({
      tenantId: "ten_1",
      channel: "in_app",
      provider: "in_app",
      enabled: true,
      updatedAt: new Date(at),
      settings: {},
    });
    const first = cache.senderFor(account(1000));
    expect(cache.senderFor(account(1000))).toBe(first);
    const second = cache.senderFor(account(2000));
    expect(second).not.toBe(first);
    expect(built).toEqual(["ten_1@1000", "ten_1@2000"]);
    await Promise.resolve();
    expect(closed).toEqual(["ten_1@1000"]);
    await cache.close();
    expect(closed).toEqual(["ten_1@1000", "ten_1@2000"]);
  });

  it("picks the WhatsApp sender by the account's provider", async () => {
    const registry = senderRegistry(() => {
      throw new Error("not used");
    });
    const web: ChannelAccount<"whatsapp"> = {
      tenantId: "ten_1",
      channel: "whatsapp",
      provider: "web",
      enabled: true,
      updatedAt: new Date(),
      settings: {},
    };
    const result = await registry.whatsapp(web, senderDeps()).send({
      deliveryId: "d",
      tenantId: "ten_1",
      to: "+6281",
      content: { channel: "whatsapp", kind: "text", text: "hi" },
    });
    // The web provider asks the gateway's session, which this test has not started.
    expect(result).toEqual({ outcome: "transient", reason: "whatsapp-web: the session is not ready" });
  });
});
