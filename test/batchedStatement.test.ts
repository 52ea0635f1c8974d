import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { batchedStatement, batchedStatementCounts, batchInput } from "../src/db/batchedStatement.js";
import { openPglite, openPostgres, pgClientOf } from "../src/db/client.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
  await hub.db.execute(
    sql`CREATE TABLE batch_probe (id text PRIMARY KEY, n integer NOT NULL CHECK (n >= 0), tx bigint NOT NULL)`,
  );
});
afterAll(async () => {
  await hub.close();
});

type Written = { key: string; tx: string };

// Each row records its transaction: rows written by one statement share it. n >= 1000 is skipped.
const probe = (limits: { maxRows: number; maxInFlight: number }) =>
  batchedStatement<Written>(
    `test_batch_probe_${limits.maxRows}_${limits.maxInFlight}`,
    (values) => String(values.p?.id),
    (columns) => {
      const row = columns(batchInput);
      return sql`inserted AS (
        INSERT INTO batch_probe (id, n, tx) SELECT ${row.p_id}::text, ${row.p_n}::integer, txid_current()
        FROM ${sql.identifier(batchInput)} WHERE ${row.p_n}::integer < 1000 RETURNING id, tx
      )
      SELECT id AS key, tx::text FROM inserted`;
    },
    limits,
  );

const write = (run: ReturnType<typeof probe>, id: string, n: number | string) => {
  const pending = run(hub.db, { p: { id, n } });
  if (!pending) throw new Error("not a node-postgres pool");
  return pending;
};

describe("batched statements", () => {
  it("answer each call with its own row, writing concurrent calls in fewer transactions", async () => {
    const run = probe({ maxRows: 8, maxInFlight: 2 });
    const ids = Array.from({ length: 30 }, (_, i) => `many-${i}`);
    const answers = await Promise.all(ids.map((id, i) => write(run, id, i)));
    expect(answers.map((a) => a?.key)).toEqual(ids);
    const transactions = new Set(answers.map((a) => a?.tx));
    expect(transactions.size).toBeLessThan(ids.length);
    expect(transactions.size).toBeGreaterThanOrEqual(30 / 8);
  });

  it("put two calls with one key in different statements: the second sees what the first wrote", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const first = write(run, "dup-first", 1); // runs alone; the next three wait
    const waiting = [write(run, "dup-1", 1), write(run, "dup-1", 2), write(run, "dup-2", 3)];
    expect((await first)?.key).toBe("dup-first");
    const [one, again, two] = await Promise.all(waiting);
    // One statement for the first "dup-1" and "dup-2"; the second "dup-1" meets its row and writes nothing.
    expect([one?.key, two?.key]).toEqual(["dup-1", "dup-2"]);
    expect(one?.tx).toBe(two?.tx);
    expect(again).toBeUndefined();
  });

  it("send a call at once, alone, when no statement is running", async () => {
    const run = probe({ maxRows: 8, maxInFlight: 2 });
    const first = await write(run, "alone-1", 1);
    const second = await write(run, "alone-2", 2);
    expect(first?.tx).not.toBe(second?.tx);
  });

  it("answer every call of a failed batch 'not written', and write none of them", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const failedBefore = batchedStatementCounts().get("test_batch_probe_10_1")?.failedByData ?? 0;
    const first = write(run, "fail-first", 1); // runs alone; the next three wait and go together
    const batch = [write(run, "fail-a", 1), write(run, "fail-bad", -1), write(run, "fail-b", 2)];
    expect((await first)?.key).toBe("fail-first");
    expect(await Promise.all(batch)).toEqual([undefined, undefined, undefined]);
    expect(batchedStatementCounts().get("test_batch_probe_10_1")?.failedByData).toBe(failedBefore + 3);
    const rows = await hub.db.execute(sql`SELECT id FROM batch_probe WHERE id LIKE 'fail-%' ORDER BY id`);
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([{ id: "fail-first" }]);
  });

  it("answer every call 'not written' when a row's data is invalid (class 22), not only when it breaks a constraint", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const first = write(run, "bad-data-first", 1);
    // "many" is no integer: the cast fails with 22P02, the row's fault and no other call's.
    const batch = [
      write(run, "bad-data-a", 1),
      write(run, "bad-data-bad", "many"),
      write(run, "bad-data-b", 2),
    ];
    expect((await first)?.key).toBe("bad-data-first");
    expect(await Promise.all(batch)).toEqual([undefined, undefined, undefined]);
    const rows = await hub.db.execute(sql`SELECT id FROM batch_probe WHERE id LIKE 'bad-data-%' ORDER BY id`);
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([{ id: "bad-data-first" }]);
  });

  it("answer a call whose data failed it alone 'not written' too, so that it writes its own way", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    expect(await write(run, "alone-bad", -1)).toBeUndefined();
  });

  it("answer every call of a batch PostgreSQL rolled back for a deadlock 'not written'", async () => {
    // A deadlock between two batches cannot be staged on cue: a function raises its SQLSTATE instead.
    await hub.db.execute(sql`CREATE OR REPLACE FUNCTION batch_probe_deadlock(n integer) RETURNS integer
      LANGUAGE plpgsql AS $$ BEGIN
        IF n = 40 THEN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END IF;
        RETURN n;
      END $$`);
    const deadlocking = batchedStatement<Written>(
      "test_batch_deadlock",
      (values) => String(values.p?.id),
      (columns) => {
        const row = columns(batchInput);
        return sql`inserted AS (
          INSERT INTO batch_probe (id, n, tx)
          SELECT ${row.p_id}::text, batch_probe_deadlock(${row.p_n}::integer), txid_current()
          FROM ${sql.identifier(batchInput)} RETURNING id, tx
        )
        SELECT id AS key, tx::text FROM inserted`;
      },
      { maxRows: 10, maxInFlight: 1 },
    );
    const call = (id: string, n: number) => deadlocking(hub.db, { p: { id, n } });
    const first = call("deadlock-first", 1); // runs alone; the next three wait and go together
    const batch = [call("deadlock-a", 1), call("deadlock-b", 40), call("deadlock-c", 2)];
    expect((await first)?.key).toBe("deadlock-first");
    expect(await Promise.all(batch)).toEqual([undefined, undefined, undefined]);
    expect(batchedStatementCounts().get("test_batch_deadlock")?.failedByData).toBe(3);
    const rows = await hub.db.execute(sql`SELECT id FROM batch_probe WHERE id LIKE 'deadlock-%'`);
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([{ id: "deadlock-first" }]);
  });

  it("give every call of a batch any other failure (here: a missing table) as its own", async () => {
    const broken = batchedStatement<Written>(
      "test_batch_broken",
      (values) => String(values.p?.id),
      (columns) =>
        sql`missing AS (SELECT ${columns(batchInput).p_id} AS key FROM no_such_table) SELECT key FROM missing`,
      { maxRows: 10, maxInFlight: 1 },
    );
    const calls = ["x", "y", "z"].map((id) => broken(hub.db, { p: { id } }));
    for (const call of calls) await expect(call).rejects.toThrow(/no_such_table/);
  });

  it("turn lone UTF-16 surrogates into U+FFFD, as a text parameter does", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const id = "surrogate-\ud83d-end";
    expect((await write(run, id, 1))?.key).toBe("surrogate-\ufffd-end");
  });

  it("send calls the single-row way (null) while too many already wait", async () => {
    const run = probe({ maxRows: 1, maxInFlight: 1 });
    const accepted = ["cap-1", "cap-2", "cap-3"].map((id) => write(run, id, 1)); // one runs, two wait
    const overflowedBefore = batchedStatementCounts().get("test_batch_probe_1_1")?.overflowed ?? 0;
    expect(run(hub.db, { p: { id: "cap-4", n: 1 } })).toBeNull();
    expect(batchedStatementCounts().get("test_batch_probe_1_1")?.overflowed).toBe(overflowedBefore + 1);
    expect((await Promise.all(accepted)).map((a) => a?.key)).toEqual(["cap-1", "cap-2", "cap-3"]);
  });

  it("with planEachTime, leave no prepared statement behind: each batch is planned as it runs", async () => {
    // One connection, so the prepared statements looked at are those of the connection that ran them.
    const single = openPostgres(hub.database.url, 1);
    try {
      const prepared = async () => {
        const { rows } = await (pgClientOf(single.db._.session) as pg.Pool).query<{ name: string }>(
          "SELECT name FROM pg_prepared_statements WHERE name LIKE 'test_batch_plan_%'",
        );
        return rows.map((r) => r.name).sort();
      };
      const planned = (name: string, planEachTime: boolean) =>
        batchedStatement<{ key: string }>(
          name,
          (values) => String(values.p?.id),
          (columns) => {
            const row = columns(batchInput);
            return sql`found AS (SELECT ${row.p_id} AS id FROM ${sql.identifier(batchInput)})
              SELECT id AS key FROM found`;
          },
          { maxRows: 10, maxInFlight: 1, planEachTime },
        );
      for (const [name, planEachTime] of [
        ["test_batch_plan_each", true],
        ["test_batch_plan_once", false],
      ] as const) {
        const answer = await planned(name, planEachTime)(single.db, { p: { id: `${name}-1` } });
        expect(answer?.key).toBe(`${name}-1`);
      }
      expect(await prepared()).toEqual(["test_batch_plan_once"]);
    } finally {
      await single.close();
    }
  });

  it("are not used inside a transaction", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const inside = await hub.db.transaction(async (tx) =>
      run(tx as unknown as typeof hub.db, { p: { id: "tx", n: 1 } }),
    );
    expect(inside).toBeNull();
  });

  it("answer a call whose row the statement did not return with undefined", async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    const first = write(run, "skip-first", 1);
    const batch = [write(run, "skip-kept", 2), write(run, "skip-skipped", 5000)];
    expect((await first)?.key).toBe("skip-first");
    const [kept, skipped] = await Promise.all(batch);
    expect(kept?.key).toBe("skip-kept");
    expect(skipped).toBeUndefined();
  });

  it("with lock keys, take every call's advisory lock first and see what the lock's holder committed", async () => {
    // Counts the rows of a key the lock holder writes: a statement that took its snapshot before
    // the holder committed would count none.
    const run = batchedStatement<{ key: string; seen: number }>(
      "test_batch_locked",
      (values) => String(values.l?.id),
      (columns) => {
        const row = columns(batchInput);
        return sql`inserted AS (
          INSERT INTO batch_probe (id, n, tx) SELECT ${row.l_id}::text, 1, txid_current() FROM ${sql.identifier(batchInput)}
          RETURNING id
        )
        SELECT id AS key, (SELECT count(*)::int FROM batch_probe WHERE id LIKE 'held-%') AS seen FROM inserted`;
      },
      { maxRows: 10, maxInFlight: 1, lockKeyOf: (values) => `probe/${String(values.l?.key)}` },
    );
    const pool = pgClientOf(hub.db._.session);
    if (!(pool instanceof pg.Pool)) throw new Error("not a node-postgres pool");
    const holder = await pool.connect();
    try {
      await holder.query("BEGIN");
      // A key with a quote and a backslash: the batch names it as a literal, the holder as a parameter.
      const held = "o'b\\rien";
      await holder.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [`probe/${held}`]);
      await holder.query("INSERT INTO batch_probe (id, n, tx) VALUES ('held-1', 1, 0)");
      // The first call's batch waits for the held lock; the second waits behind it.
      const calls = [held, "a"].map((key, i) => run(hub.db, { l: { id: `locked-${i}`, key } }));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const written = await hub.db.execute(sql`SELECT id FROM batch_probe WHERE id LIKE 'locked-%'`);
      // Nothing is written while the lock is held: the statement starts once it is taken.
      expect((written as unknown as { rows: unknown[] }).rows).toEqual([]);
      await holder.query("COMMIT");
      const answers = await Promise.all(calls);
      expect(answers.map((a) => a?.seen)).toEqual([1, 1]);
    } finally {
      holder.release();
    }
  });

  /** A batched statement under lock keys that writes the probe's rows as `probe` does, n >= 0. */
  const lockedProbe = (name: string) =>
    batchedStatement<Written & { n: number }>(
      name,
      (values) => String(values.p?.id),
      (columns) => {
        const row = columns(batchInput);
        return sql`inserted AS (
          INSERT INTO batch_probe (id, n, tx) SELECT ${row.p_id}::text, ${row.p_n}::integer, txid_current()
          FROM ${sql.identifier(batchInput)} RETURNING id, n, tx
        )
        SELECT id AS key, n, tx::text FROM inserted`;
      },
      { maxRows: 10, maxInFlight: 1, lockKeyOf: (values) => `probe/${String(values.p?.id)}` },
    );
  const writeLocked = (run: ReturnType<typeof lockedProbe>, id: string, n: number) => {
    const pending = run(hub.db, { p: { id, n } });
    if (!pending) throw new Error("not a node-postgres pool");
    return pending;
  };

  it("with lock keys, carry the rows' values as they are, quotes and backslashes included", async () => {
    const run = lockedProbe("test_batch_locked_literals");
    const ids = ["lit-o'brien", "lit-back\\slash", 'lit-quote"d', "lit-$1::jsonb", "lit-ünï"];
    const answers = await Promise.all(ids.map((id, i) => writeLocked(run, id, i)));
    expect(answers.map((a) => [a?.key, a?.n])).toEqual(ids.map((id, i) => [id, i]));
  });

  it("with lock keys, answer a batch a row's data failed 'not written', roll it back and keep the connection", async () => {
    const run = lockedProbe("test_batch_locked_bad_data");
    const first = writeLocked(run, "locked-bad-first", 1); // runs alone; the next three wait and go together
    const batch = [
      writeLocked(run, "locked-bad-a", 1),
      writeLocked(run, "locked-bad-x", -1),
      writeLocked(run, "locked-bad-b", 2),
    ];
    expect((await first)?.key).toBe("locked-bad-first");
    expect(await Promise.all(batch)).toEqual([undefined, undefined, undefined]);
    // The pool's connections are not left in the failed transaction: the next batch writes.
    const after = await Promise.all(["locked-bad-c", "locked-bad-d"].map((id) => writeLocked(run, id, 3)));
    expect(after.map((a) => a?.key)).toEqual(["locked-bad-c", "locked-bad-d"]);
    const rows = await hub.db.execute(
      sql`SELECT id FROM batch_probe WHERE id LIKE 'locked-bad-%' ORDER BY id`,
    );
    expect((rows as unknown as { rows: unknown[] }).rows).toEqual([
      { id: "locked-bad-c" },
      { id: "locked-bad-d" },
      { id: "locked-bad-first" },
    ]);
  });

  it("name a missing value, and are not available on the embedded database", {
    timeout: 90_000,
  }, async () => {
    const run = probe({ maxRows: 10, maxInFlight: 1 });
    expect(() => run(hub.db, { p: { id: "no-n" } })).toThrow("no value for p_n");
    const embedded = openPglite(undefined);
    try {
      expect(run(embedded.db, { p: { id: "x", n: 1 } })).toBeNull();
    } finally {
      await embedded.close();
    }
  });
});
