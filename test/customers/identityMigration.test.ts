import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getCustomer } from "../../src/customers/service.js";
import { channelActivityHours, customerIdentities } from "../../src/db/schema/index.js";
import { channelActivity } from "../../src/sct07/analytics/query.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";
import { migrateAcross } from "../support/migrationsBefore.js";

const tenant = "ten_migrated";
const hourAgo = new Date(Date.now() - 3600_000);

describe("the identities migration on a database with customers", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    await migrateAcross(database, "customers_identities_sessions", async (client) => {
      await client.query("INSERT INTO tenants (id, slug, name) VALUES ($1, 'migrated', 'Migrated')", [
        tenant,
      ]);
      // What the old rules allowed: two CIF customers sharing an e-mail (any case), and a CIF-less
      // customer with the phone of a CIF customer.
      await client.query(
        `INSERT INTO customers (id, tenant_id, name, email, phone, identifier, created_at) VALUES
          ('cus_early', $1, 'Early', 'Shared@Example.com', NULL, 'CIF-A', now() - interval '3 days'),
          ('cus_later', $1, 'Later', 'shared@example.com', '+6281111', 'CIF-B', now() - interval '2 days'),
          ('cus_phone', $1, 'Phone', NULL, '+6281111', NULL, now() - interval '1 day')`,
        [tenant],
      );
      // One published event with a channel (folded by the migration) and one not yet published.
      await client.query(
        `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, channel, customer_id, payload, occurred_at, published_at)
         VALUES ('evt_old1', $1, 'TICKET_CREATED', 'ticket', 'tkt_1', 'api_key', 'WHATSAPP', 'cus_early', '{}', $2, $2),
                ('evt_old2', $1, 'TICKET_CREATED', 'ticket', 'tkt_2', 'api_key', 'WHATSAPP', 'cus_phone', '{}', $2, NULL)`,
        [tenant, hourAgo],
      );
    });
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("gives each shared address to its earliest holder and records the later one as a possible duplicate", async () => {
    const db = database.handle.db;
    const identities = await db
      .select({
        customerId: customerIdentities.customerId,
        kind: customerIdentities.kind,
        value: customerIdentities.value,
      })
      .from(customerIdentities)
      .where(eq(customerIdentities.tenantId, tenant))
      .orderBy(asc(customerIdentities.kind), asc(customerIdentities.value));
    expect(identities).toEqual([
      { customerId: "cus_early", kind: "cif", value: "CIF-A" },
      { customerId: "cus_later", kind: "cif", value: "CIF-B" },
      { customerId: "cus_early", kind: "email", value: "shared@example.com" },
      { customerId: "cus_later", kind: "phone", value: "+6281111" },
    ]);
    expect((await getCustomer(db, tenant, "cus_later"))?.possibleDuplicates).toEqual([
      { customerId: "cus_early", kind: "email", value: "shared@example.com" },
      { customerId: "cus_phone", kind: "phone", value: "+6281111" },
    ]);
    expect((await getCustomer(db, tenant, "cus_early"))?.possibleDuplicates).toEqual([
      { customerId: "cus_later", kind: "email", value: "shared@example.com" },
    ]);
    expect((await getCustomer(db, tenant, "cus_phone"))?.possibleDuplicates).toEqual([
      { customerId: "cus_later", kind: "phone", value: "+6281111" },
    ]);
  });

  it("folds the events published before it; those not yet published count live", async () => {
    const db = database.handle.db;
    const hours = await db
      .select()
      .from(channelActivityHours)
      .where(eq(channelActivityHours.tenantId, tenant));
    expect(hours.map((h) => [h.channel, h.transactions, h.lastActiveCustomers])).toEqual([
      ["WHATSAPP", 1, 1],
    ]);
    const since = new Date(Date.now() - 30 * 86_400_000);
    expect(await channelActivity(db, tenant, { from: since })).toEqual({
      channels: [{ channel: "WHATSAPP", activeUsers: 2, transactions: 2 }],
      crossChannelJourneys: 0,
    });
  });
});
