import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveContacts } from "../../src/customers/contactBatch.js";
import { customerIdentities, customers, events } from "../../src/db/schema/index.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

let hub: TestHub;
let tenantId: string;
const now = new Date("2026-12-01T03:00:00Z");

beforeAll(async () => {
  hub = await createTestHub();
  tenantId = (await hub.createTenantWithKey("contact-batch", ["customers:read"])).tenantId;
});
afterAll(async () => {
  await hub.close();
});

const phoneContact = (phone: string, name: string) => ({
  tenantId,
  input: { name, phone },
  defaultRegion: "ID",
});
const chatContact = (chatId: string, name: string) => ({
  tenantId,
  input: { name },
  defaultRegion: null,
  chatIdentity: { kind: "telegram" as const, value: chatId },
});

/** A customer of the tenant who holds one identity already. */
async function customerHolding(id: string, name: string, kind: "phone" | "telegram", value: string) {
  await hub.db.insert(customers).values({ id, tenantId, name });
  await hub.db.insert(customerIdentities).values({ id: `idn_${id}`, tenantId, customerId: id, kind, value });
}

async function identitiesOf(customerId: string) {
  return hub.db
    .select({ kind: customerIdentities.kind, value: customerIdentities.value })
    .from(customerIdentities)
    .where(and(eq(customerIdentities.tenantId, tenantId), eq(customerIdentities.customerId, customerId)));
}

// The inbound router's batch of first contacts resolves them in one statement: what it writes must
// be what the matching rule writes one contact at a time, and what it cannot decide it leaves.
describe("resolveContacts", () => {
  it("creates each new contact's customer with its address or chat id and its event, and matches a known one", async () => {
    await customerHolding("cus_cb_known", "Nasabah Lama", "phone", "+628120000001");
    const resolved = await hub.db.transaction((tx) =>
      resolveContacts(
        tx,
        [
          phoneContact("08120000002", "Budi"),
          chatContact("7700001", "Sari"),
          phoneContact("+628120000001", "Someone"),
          // The same new phone twice: the first row claims it, the second is left to resolve alone.
          phoneContact("+628120000003", "Adi"),
          phoneContact("08120000003", "Adi again"),
        ],
        { type: "customer" },
        now,
      ),
    );
    expect([...resolved.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(resolved.get(2)).toEqual({ customerId: "cus_cb_known", created: false, name: "Nasabah Lama" });
    const budi = resolved.get(0);
    const sari = resolved.get(1);
    const adi = resolved.get(3);
    expect(budi).toMatchObject({ created: true, name: "Budi" });
    expect(sari).toMatchObject({ created: true, name: "Sari" });
    expect(adi).toMatchObject({ created: true, name: "Adi" });
    if (!budi || !sari || !adi) throw new Error("unresolved");
    // Phones in E.164 with the tenant's region, as the matching rule stores them.
    expect(await identitiesOf(budi.customerId)).toEqual([{ kind: "phone", value: "+628120000002" }]);
    expect(await identitiesOf(sari.customerId)).toEqual([{ kind: "telegram", value: "7700001" }]);
    const [budiRow] = await hub.db.select().from(customers).where(eq(customers.id, budi.customerId));
    expect(budiRow).toMatchObject({ name: "Budi", phone: "+628120000002" });
    const created = await hub.db
      .select({ subjectId: events.subjectId, type: events.type })
      .from(events)
      .where(inArray(events.subjectId, [budi.customerId, sari.customerId, adi.customerId, "cus_cb_known"]));
    expect(created.map((e) => e.type)).toEqual(["customer.created", "customer.created", "customer.created"]);
  });

  it("fails the caller's transaction when a chat id was claimed first, and writes nothing", async () => {
    // Held by a customer the batch's read did not see: claimed between the read and the write.
    await customerHolding("cus_cb_chat", "Holder", "telegram", "7700002");
    await expect(
      hub.db.transaction((tx) =>
        resolveContacts(
          tx,
          [phoneContact("08120000009", "Left"), chatContact("7700002", "Late")],
          { type: "customer" },
          now,
        ),
      ),
    ).rejects.toThrow("a concurrent first contact claimed the chat id");
    const left = await hub.db
      .select()
      .from(customerIdentities)
      .where(and(eq(customerIdentities.tenantId, tenantId), eq(customerIdentities.value, "+628120000009")));
    expect(left).toEqual([]);
    const late = await hub.db.select().from(customers).where(eq(customers.name, "Late"));
    expect(late).toEqual([]);
  });
});
