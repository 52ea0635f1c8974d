import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contactPointsOf } from "../../src/customers/contactPoints.js";
import { customerIdentities, customers } from "../../src/db/schema/index.js";
import { createTestHub, type TestHub } from "../support/testHub.js";

let hub: TestHub;
let tenantId: string;

beforeAll(async () => {
  hub = await createTestHub();
  tenantId = (await hub.createTenantWithKey("contact-points", ["customers:read"])).tenantId;
});
afterAll(async () => {
  await hub.close();
});

async function customer(id: string, extra: Partial<typeof customers.$inferInsert> = {}) {
  await hub.db.insert(customers).values({ id, tenantId, name: `Name ${id}`, ...extra });
}
async function identity(customerId: string, kind: string, value: string, verified = false) {
  await hub.db.insert(customerIdentities).values({
    id: `idn_${customerId}_${kind}_${value}`,
    tenantId,
    customerId,
    kind: kind as "email",
    value,
    verified,
  });
}

describe("contactPointsOf", () => {
  it("answers each channel's address, language, preferred channel and opt-outs", async () => {
    await customer("cus_cp1", {
      preferredLanguage: "id",
      notificationChannel: "PUSH",
      optOuts: ["SMS", "FAX"],
    });
    await identity("cus_cp1", "email", "old@example.com", true);
    await identity("cus_cp1", "email", "new@example.com");
    await identity("cus_cp1", "phone", "+6281234567890");
    await identity("cus_cp1", "telegram", "55501");
    await identity("cus_cp1", "device", "dev-a");
    await identity("cus_cp1", "device", "dev-b");
    await identity("cus_cp1", "cif", "CIF-CP1");
    expect(await contactPointsOf(hub.db, tenantId, "cus_cp1")).toEqual({
      customerId: "cus_cp1",
      name: "Name cus_cp1",
      preferredLanguage: "id",
      notificationChannel: "PUSH",
      // The verified e-mail wins over a newer unverified one; WhatsApp falls back to the phone.
      addresses: {
        EMAIL: "old@example.com",
        SMS: "+6281234567890",
        WHATSAPP: "+6281234567890",
        TELEGRAM: "55501",
        PUSH: ["dev-a", "dev-b"],
      },
      optOuts: ["SMS"],
    });
  });

  it("follows a merge to the survivor, and knows no other tenant's customer", async () => {
    await customer("cus_cp2");
    await customer("cus_cp3", { mergedInto: "cus_cp2", mergedAt: new Date() });
    await identity("cus_cp2", "whatsapp", "+6281100000001");
    const points = await contactPointsOf(hub.db, tenantId, "cus_cp3");
    expect(points?.customerId).toBe("cus_cp2");
    expect(points?.addresses).toEqual({ WHATSAPP: "+6281100000001" });
    const other = (await hub.createTenantWithKey("contact-points-2", ["customers:read"])).tenantId;
    expect(await contactPointsOf(hub.db, other, "cus_cp2")).toBeUndefined();
    expect(await contactPointsOf(hub.db, tenantId, "cus_none")).toBeUndefined();
    const [row] = await hub.db.select().from(customers).where(eq(customers.id, "cus_cp2"));
    expect(row?.optOuts).toEqual([]);
  });
});
