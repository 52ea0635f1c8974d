import { randomBytes } from "node:crypto";
import pg from "pg";

export type BenchDatabase = Readonly<{ name: string; url: string; drop(): Promise<void> }>;

/**
 * Creates an empty database for one run next to the one `serverUrl` names, so runs never share
 * rows with each other or with the tests. The hub migrates it when it starts.
 */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  // Only hex digits after a fixed prefix: safe to place in SQL as an identifier.
  const name = `sb_bench_${randomBytes(6).toString("hex")}`;
  await withClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    // FORCE ends the sessions a killed child may have left behind.
    drop: () =>
      withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

/**
 * A database kept between runs (a fill that takes minutes is done once): `name` beside the one
 * `serverUrl` names, created when missing. Its URL, and whether it was just created.
 */
export async function keptDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; created: boolean; drop(): Promise<void> }> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
  let created = false;
  await withClient(serverUrl, async (client) => {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      created = true;
    }
  });
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    created,
    drop: () =>
      withClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)),
  };
}

async function withClient(url: string, use: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await use(client);
  } finally {
    await client.end();
  }
}

/** Rows in `table` of the run's database: the check that requests answered 2xx really wrote. */
export async function countRows(databaseUrl: string, table: string): Promise<number> {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`not a plain table name: ${table}`);
  let count = 0;
  await withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ count: string }>(`SELECT count(*) AS count FROM "${table}"`);
    count = Number(rows[0]?.count ?? Number.NaN);
  });
  return count;
}

/**
 * VACUUM ANALYZE of the run's database, as autovacuum would have left it after the warm-up: this
 * machine's PostgreSQL runs with autovacuum off (conf.d/90-ci.conf), so a fresh database otherwise
 * keeps no statistics, and the plans cached while its tables were empty, for the whole run.
 */
export async function vacuumAnalyze(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, async (client) => {
    await client.query("VACUUM ANALYZE");
  });
}
