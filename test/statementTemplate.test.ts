import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPglite, statementTemplate } from "../src/db/client.js";
import { createTestHub, type TestHub } from "./support/testHub.js";

let hub: TestHub;
beforeAll(async () => {
  hub = await createTestHub();
});
afterAll(async () => {
  await hub.close();
});

// One name used three times, from two groups, with a cast each time.
const echo = statementTemplate(
  "test_statement_template_echo",
  (p) => sql`SELECT ${p.a_word}::text AS word, ${p.a_word}::text || ${p.b_suffix}::text AS joined,
    length(${p.a_word}::text) AS size, ${p.b_missing}::text IS NULL AS was_null`,
);

type EchoRow = { word: string; joined: string; size: number; was_null: boolean };

describe("statement templates", () => {
  it("bind each name once, read values by group and field, and take null as a value", async () => {
    const values = { a: { word: "ticket" }, b: { suffix: "s", missing: null } };
    for (let call = 0; call < 3; call++) {
      const [row] = await echo<EchoRow>(hub.db, values);
      expect(row).toEqual({ word: "ticket", joined: "tickets", size: 6, was_null: true });
    }
  });

  it("run inside a transaction too, prepared with one parameter per distinct name", async () => {
    const { rows, prepared } = await hub.db.transaction(async (tx) => ({
      rows: await echo<EchoRow>(tx, { a: { word: "x" }, b: { suffix: "y", missing: "z" } }),
      prepared: (await tx.execute(
        sql`SELECT parameter_types::text FROM pg_prepared_statements WHERE name = 'test_statement_template_echo'`,
      )) as { rows: unknown[] },
    }));
    expect(rows).toEqual([{ word: "x", joined: "xy", size: 1, was_null: false }]);
    expect(prepared.rows).toEqual([{ parameter_types: "{text,text,text}" }]);
  });

  it("run on the embedded database through drizzle", { timeout: 90_000 }, async () => {
    const embedded = openPglite(undefined);
    try {
      const rows = await echo<EchoRow>(embedded.db, { a: { word: "ab" }, b: { suffix: "c", missing: null } });
      expect(rows).toEqual([{ word: "ab", joined: "abc", size: 2, was_null: true }]);
    } finally {
      await embedded.close();
    }
  });

  it("fail naming a parameter that has no value", async () => {
    await expect(echo(hub.db, { a: { word: "x" }, b: { suffix: "y" } })).rejects.toThrow(
      "statement test_statement_template_echo: no value for b_missing",
    );
  });

  it("refuse a parameter name without a group", () => {
    const bad = statementTemplate("test_statement_template_bad", (p) => sql`SELECT ${p.nogroup}::text`);
    return expect(bad(hub.db, {})).rejects.toThrow('statement parameter "nogroup" is not <group>_<field>');
  });
});
