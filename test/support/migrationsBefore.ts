import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import type { TestDatabase } from "./database.js";

const migrations = fileURLToPath(new URL("../../src/db/migrations", import.meta.url));

/**
 * A copy of the migrations folder whose journal stops before the migration tagged `tag` (its number
 * aside): the schema that migration meets.
 */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), "sbt-migrations-"));
  cpSync(migrations, dir, { recursive: true });
  const journalPath = join(dir, "meta", "_journal.json");
  const journal = JSON.parse(readFileSync(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
  const cut = journal.entries.findIndex((e) => e.tag.replace(/^\d{4}_/, "") === tag);
  if (cut <= 0) throw new Error(`no migration ${tag} after the first`);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

/**
 * Migrates an unmigrated test database to just before the migration tagged `tag`, lets `seed` write
 * the rows that migration will meet, then runs every migration: for tests of what a migration does
 * to existing data.
 */
export async function migrateAcross(
  database: TestDatabase,
  tag: string,
  seed: (client: pg.Client) => Promise<void>,
): Promise<void> {
  const before = migrationsBefore(tag);
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder: before });
    await seed(client);
  } finally {
    await client.end();
    rmSync(before, { recursive: true, force: true });
  }
  await database.handle.migrate();
}
