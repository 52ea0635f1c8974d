import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../src/db/client.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";

let database: TestDatabase;

const tickets = 400;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database.handle;
  await db.execute(sql`INSERT INTO tenants (id, slug, name) VALUES ('ten_hot', 'hot', 'Hot')`);
  await db.execute(sql`INSERT INTO customers (id, tenant_id, name) VALUES ('cus_hot', 'ten_hot', 'Nasabah')`);
  // Tickets as the desk writes them, a few hundred bytes each: the table's pages fill as they are
  // written, up to the table's fill factor.
  await db.execute(sql`INSERT INTO tickets (id, tenant_id, channel, service_type, priority, title,
      description, customer_id)
    SELECT 'tkt_' || lpad(n::text, 4, '0'), 'ten_hot', 'WHATSAPP', 'COMPLAINT', 'MEDIUM',
      'Kartu debit tertelan ' || n, repeat('Kartu debit saya tertelan di mesin ATM. ', 10), 'cus_hot'
    FROM generate_series(1, ${tickets}) AS n`);
});

afterAll(async () => {
  await database?.drop();
});

// Every customer's comment and every agent's change sets a ticket's updated_at, which no index
// holds. Written in place (a HOT update), that is one row version on the same page; written to
// another page, it is a new entry in each of the table's many indexes (migration 0025).
describe("a ticket's activity, written where the ticket is", () => {
  it("updates tickets throughout the table without a new index entry", async () => {
    const counts = await database.handle.db.transaction(async (tx) => {
      await tx.execute(sql`UPDATE tickets SET updated_at = now()
        WHERE id IN (SELECT 'tkt_' || lpad(n::text, 4, '0') FROM generate_series(1, ${tickets}, 20) AS n)`);
      return rowsOf<{ updated: string; in_place: string }>(
        await tx.execute(sql`SELECT n_tup_upd AS updated, n_tup_hot_upd AS in_place
          FROM pg_stat_xact_user_tables WHERE relname = 'tickets'`),
      );
    });
    expect(counts).toEqual([{ updated: String(tickets / 20), in_place: String(tickets / 20) }]);
  });
});
