import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { customerIdentities } from "../../src/db/schema/index.js";
import { bankOrigin, type WebchatHub, webchatHub } from "./support.js";

let t: WebchatHub;
beforeAll(async () => {
  // Behind one proxy of the operator's: the client's address is the last X-Forwarded-For hop.
  t = await webchatHub({ WEBCHAT_STARTS_PER_MINUTE: "2", TRUST_PROXY: "1" });
});
afterAll(async () => {
  await t?.close();
});

describe("chats started per client address", () => {
  it("refuses a third start from one address within the minute, creating no customer; another address and a resume still go", async () => {
    const tenant = await t.tenantWithTelegram("wc-starts");
    const from = (address: string) => t.open(tenant.tenantId, bankOrigin, { "x-forwarded-for": address });
    const first = await from("203.0.113.7").start({ name: "Ani", email: "ani@example.com" });
    await from("203.0.113.7").start({ name: "Budi", email: "budi@example.com" });

    const third = from("203.0.113.7");
    await third.opened;
    await third.ofType("ready");
    third.send({ type: "start", name: "Citra", email: "citra@example.com" });
    expect(await third.ofType("error")).toMatchObject({
      code: "rate_limited",
      limit: "WEBCHAT_STARTS_PER_MINUTE",
      message: expect.stringMatching(/try again in \d+ s/),
    });
    const citra = () =>
      t.hub.db
        .select()
        .from(customerIdentities)
        .where(
          and(
            eq(customerIdentities.tenantId, tenant.tenantId),
            eq(customerIdentities.value, "citra@example.com"),
          ),
        );
    expect(await citra()).toEqual([]);

    // The same customer from another address starts; the limited one may still resume its chat.
    await from("198.51.100.9").start({ name: "Citra", email: "citra@example.com" });
    expect(await citra()).toHaveLength(1);
    const again = from("203.0.113.7");
    await again.opened;
    await again.ofType("ready");
    again.send({ type: "resume", sessionToken: first.sessionToken });
    expect(await again.ofType("session")).toMatchObject({ sessionId: first.sessionId, resumed: "token" });
  });
});
