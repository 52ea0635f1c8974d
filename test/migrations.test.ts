import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { type DatabaseHandle, openPglite } from "../src/db/client.js";
import { createTestDatabase } from "./support/database.js";

async function tablesAndIndexes(handle: DatabaseHandle) {
  const tables = await handle.db.execute<{ table_name: string }>(
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  const indexes = await handle.db.execute<{ indexname: string }>(
    sql`SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
  );
  const rows = <T>(result: unknown) =>
    "rows" in (result as object) ? (result as { rows: T[] }).rows : (result as T[]);
  return {
    tables: rows<{ table_name: string }>(tables).map((r) => r.table_name),
    indexes: rows<{ indexname: string }>(indexes).map((r) => r.indexname),
  };
}

/** The same generated migrations, applied by the hub's own code, on both engines it runs on. */
describe.each([
  ["PostgreSQL server", async () => createTestDatabase({ migrated: false })],
  ["embedded PGlite", async () => ({ handle: openPglite(undefined), drop: async () => undefined })],
])("migrations on %s", (_engine, open) => {
  // PGlite starts its engine in the test process: tens of seconds on a busy shared machine.
  it("create the schema from nothing, and a second run changes nothing", { timeout: 90_000 }, async () => {
    const database = await open();
    const handle = database.handle;
    try {
      expect((await tablesAndIndexes(handle)).tables).not.toContain("events");
      await handle.migrate();
      const first = await tablesAndIndexes(handle);
      expect(first.tables).toEqual(expect.arrayContaining(["api_keys", "events", "tenants"]));
      expect(first.indexes).toEqual(
        expect.arrayContaining([
          "events_subject_idx",
          "events_tenant_time_idx",
          "event_outbox_occurred_at_event_id_pk",
        ]),
      );
      // pg_trgm is there on both (contrib on the server, loaded by the hub into PGlite): the desk's
      // title search has its trigram index wherever the hub runs.
      expect(first.indexes).toContain("tickets_title_trgm_idx");
      await handle.migrate();
      expect(await tablesAndIndexes(handle)).toEqual(first);
    } finally {
      if ("name" in database) await database.drop();
      else await handle.close();
    }
  });
});
