import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openPostgres } from "../../src/db/client.js";
import { databaseUrlFor, randomSuffix, testDatabaseUrl } from "./env.js";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

const staleAfterMs = 3600_000;

/** Clone names end in randomSuffix(): a base-36 timestamp followed by six random characters. */
function createdAtOf(name: string): number {
  const suffix = name.replace(/^sbt_(f|building)_/, "");
  const created = Number.parseInt(suffix.slice(0, -6), 36);
  return Number.isFinite(created) ? created : 0;
}

const migrationsDir = new URL("../../src/db/migrations/", import.meta.url);

/** The template's name carries a hash of the migrations, so a changed migration gets a new template. */
function templateName(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsDir)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(new URL(file, migrationsDir)));
  }
  return `sbt_template_${hash.digest("hex").slice(0, 12)}`;
}

/** Builds the template database `name` unless it exists. */
export async function ensureTemplate(admin: pg.Client, name: string): Promise<void> {
  const exists = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
  if (exists.rowCount !== 0) return;
  const building = `sbt_building_${randomSuffix()}`;
  await admin.query(`CREATE DATABASE "${building}"`);
  const handle = openPostgres(databaseUrlFor(building), 1);
  await handle.migrate();
  await handle.close();
  try {
    await admin.query(`ALTER DATABASE "${building}" RENAME TO "${name}"`);
  } catch {
    // Another run built the same template meanwhile; theirs is as good as ours.
    await admin.query(`DROP DATABASE IF EXISTS "${building}"`);
  }
}

/**
 * Migrates one template database per set of migrations; every test file clones it
 * (CREATE DATABASE ... TEMPLATE), which takes milliseconds instead of a migration run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  const name = templateName();
  await ensureTemplate(admin, name);
  // Each run marks the template it uses (a comment holding the time), so templates of other
  // migration sets are dropped only once no run has used them for a while: another checkout on this
  // machine (a branch with a new migration) may be cloning its own right now.
  await admin.query(`COMMENT ON DATABASE "${name}" IS '${Date.now()}'`);
  const oldTemplates = await admin.query<{ datname: string; used: string | null }>(
    `SELECT datname, shobj_description(oid, 'pg_database') AS used FROM pg_database
     WHERE datname LIKE 'sbt\\_template\\_%' AND datname <> $1`,
    [name],
  );
  for (const { datname, used } of oldTemplates.rows) {
    if (Date.now() - Number(used ?? 0) < staleAfterMs) continue;
    await admin.query(`DROP DATABASE IF EXISTS "${datname}"`).catch(() => undefined);
  }
  // Clones left behind by a run that was killed before its teardown. Only old ones: another run of
  // the suite on this machine may be using its fresh clones right now.
  const clones = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE 'sbt\\_f\\_%' OR datname LIKE 'sbt\\_building\\_%'",
  );
  const stale = clones.rows.filter(({ datname }) => Date.now() - createdAtOf(datname) > staleAfterMs);
  for (const { datname } of stale) {
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => undefined);
  }
  await admin.end();
  project.provide("templateDatabase", name);
  return async () => undefined;
}
