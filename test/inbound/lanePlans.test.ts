import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "../../src/db/client.js";
import { lockCandidates } from "../../src/inbound/commentBatch.js";
import { createTestDatabase, type TestDatabase } from "../support/database.js";

let database: TestDatabase;

const tenantId = "ten_plans";
const customers = 2000;
const routed = 30_000;
const waiting = 150;

beforeAll(async () => {
  database = await createTestDatabase();
  const { db } = database.handle;
  // A tenant whose customers each hold an identity, and a busy inbound table as a benchmark round
  // leaves it: thousands of messages routed since the table was last vacuumed and analyzed (never,
  // here: autovacuum lags a burst), each one a dead entry in the waiting index, and a backlog
  // still waiting.
  await db.execute(sql`INSERT INTO tenants (id, slug, name) VALUES (${tenantId}, 'plans', 'Plans')`);
  await db.execute(sql`INSERT INTO customers (id, tenant_id, name)
    SELECT 'cus_' || n, ${tenantId}, 'Nasabah' FROM generate_series(1, ${customers}) AS n`);
  await db.execute(sql`INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, verified)
    SELECT 'idn_' || n, ${tenantId}, 'cus_' || n, 'telegram', (700000000 + n)::text, true
    FROM generate_series(1, ${customers}) AS n`);
  await db.execute(sql`INSERT INTO inbound_messages (id, tenant_id, channel, provider_message_id,
      sender_address, thread_ref, text, received_at)
    SELECT 'inm_' || lpad(n::text, 6, '0'), ${tenantId}, 'telegram', 'p' || n,
      (700000000 + n % ${customers})::text, (700000000 + n % ${customers})::text, 'Halo', now()
    FROM generate_series(1, ${routed + waiting}) AS n`);
  await db.execute(sql`UPDATE inbound_messages SET status = 'routed', routed_at = now()
    WHERE id <= ${`inm_${String(routed).padStart(6, "0")}`}`);
});

afterAll(async () => {
  await database?.drop();
});

/** The indexes a statement's plan reads, by name. */
async function indexesRead(statement: ReturnType<typeof lockCandidates>): Promise<string[]> {
  const explained = sql`EXPLAIN (FORMAT JSON) `.append(statement);
  const [row] = rowsOf<{ "QUERY PLAN": unknown }>(await database.handle.db.execute(explained));
  const names: string[] = [];
  const walk = (node: unknown): void => {
    if (node === null || typeof node !== "object") return;
    const name = (node as Record<string, unknown>)["Index Name"];
    if (typeof name === "string") names.push(name);
    for (const child of Object.values(node)) walk(child);
  };
  walk(row?.["QUERY PLAN"]);
  return names;
}

// The comment lane finds its jobs' messages by id, and their customers' identities by customer.
// Offered the waiting index (its predicate is `status = 'received'`) or the tenant's identity key,
// a planner without fresh statistics reads the whole backlog, dead entries included, for the
// batch, and the tenant's every identity for each message (src/db/checkedOnRow.ts).
describe("the comment lane's read, at a backlog the statistics have not seen", () => {
  const jobs = Array.from({ length: 100 }, (_, i) => `inm_${String(routed + 1 + i).padStart(6, "0")}`);

  it("finds its jobs' messages by their key, not by reading the backlog", async () => {
    const read = await indexesRead(lockCandidates(jobs));
    expect(read).toContain("inbound_messages_pkey");
    expect(read).not.toContain("inbound_messages_received_idx");
  });

  it("finds identities by their customer, not by reading the tenant's", async () => {
    const read = await indexesRead(lockCandidates(jobs));
    expect(read).toContain("customer_identities_customer_idx");
    expect(read).not.toContain("customer_identities_key_uq");
  });
});
