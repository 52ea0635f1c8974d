import pg from "pg";
import { inject } from "vitest";
import { type DatabaseHandle, openPostgres } from "../../src/db/client.js";
import { databaseUrlFor, randomSuffix, testDatabaseUrl } from "./env.js";
import { ensureTemplate } from "./globalSetup.js";

export type TestDatabase = { name: string; url: string; handle: DatabaseHandle; drop(): Promise<void> };

async function withAdmin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: testDatabaseUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database of its own for one test file, dropped by drop(). */
export async function createTestDatabase(
  options: { migrated?: boolean; poolSize?: number } = {},
): Promise<TestDatabase> {
  const name = `sbt_f_${randomSuffix()}`;
  const template = options.migrated === false ? "template0" : inject("templateDatabase");
  await withAdmin(async (c) => {
    try {
      await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    } catch (err) {
      // A concurrent run of the suite with other migrations (another branch) drops every template
      // but its own: build ours again rather than fail the file.
      if ((err as { code?: string }).code !== "3D000" || template === "template0") throw err;
      await ensureTemplate(c, template);
      await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
    }
  });
  const url = databaseUrlFor(name);
  const handle = openPostgres(url, options.poolSize ?? 5);
  return {
    name,
    url,
    handle,
    async drop() {
      await handle.close();
      await withAdmin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
