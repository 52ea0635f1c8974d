import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventTypes } from "../src/events/catalog.js";
import { recordEvent } from "../src/events/writer.js";
import { createTestDatabase, type TestDatabase } from "./support/database.js";
import { migrateAcross } from "./support/migrationsBefore.js";
import { unrelayedEventIds } from "./support/outbox.js";

const tenant = "ten_outboxed";

describe("the event outbox migration on a database with events", () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
    await migrateAcross(database, "event_outbox", async (client) => {
      // One event the relay has published already, one it has not reached yet.
      await client.query(
        `INSERT INTO events (id, tenant_id, type, subject_type, subject_id, actor_type, payload, occurred_at, published_at)
         VALUES ('evt_sent', $1, 'tenant.created', 'tenant', $1, 'system', '{}', now(), now()),
                ('evt_waiting', $1, 'tenant.updated', 'tenant', $1, 'system', '{}', now(), NULL)`,
        [tenant],
      );
    });
  }, 60_000);
  afterAll(async () => {
    await database?.drop();
  });

  it("keeps the events the relay had not reached in its work list, and only those", async () => {
    expect(await unrelayedEventIds(database.handle.db)).toEqual(["evt_waiting"]);
  });

  it("puts every event a statement inserts in the outbox, in that statement's transaction", async () => {
    const db = database.handle.db;
    const ids = await db.transaction(async (tx) => {
      const first = await recordEvent(tx, {
        tenantId: tenant,
        type: eventTypes.tenantSettingsChanged,
        subject: { type: "tenant", id: tenant },
        actor: { type: "system" },
        payload: {},
      });
      // Not visible outside the transaction before it commits: the relay cannot take it early.
      expect(await unrelayedEventIds(db, [first])).toEqual([]);
      return [first];
    });
    expect(await unrelayedEventIds(db, ids)).toEqual(ids);
  });
});
