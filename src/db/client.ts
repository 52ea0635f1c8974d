import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import type { ExtractTablesWithRelations } from "drizzle-orm";
import { Placeholder, type Query, type SQL, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import { type PgDatabase, PgDialect, type PgQueryResultHKT, type PgTransaction } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import type { Config } from "../config.js";
import type { Logger } from "../logger.js";
import { TickGatheringSocket } from "../net/gatherWrites.js";
import { nameFailedQuery } from "./errors.js";
import { listenPostgres, type Unlisten } from "./listen.js";
import * as schema from "./schema/index.js";

export type Schema = typeof schema;
/** The drizzle database, whichever driver is underneath (node-postgres or PGlite). */
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handle. Writers of domain events take this, not Database, so they cannot run outside one. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** drizzle's PostgreSQL dialect, to turn hand-built SQL into text and parameters. */
export const dialect = new PgDialect();

/**
 * Named parameters of a statement template: any property read is a placeholder of that name. A name
 * is `<group>_<field>` (`c_email`, `te_id`): each part of a statement reads its own group.
 */
export type StatementParams = Record<string, SQL | ReturnType<typeof sql.placeholder>>;

/**
 * The values of a statement template's parameters, by group then field (`{ c: { email } }` for
 * `c_email`). Each part of a statement builds its own group as a plain object: merging them into
 * one object of ninety computed keys cost more CPU than anything else in a ticket creation.
 */
export type StatementValues = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

const placeholders = new Proxy({} as StatementParams, {
  get: (_target, name) => sql.placeholder(String(name)),
});

/** Where a parameter's value is found in StatementValues. */
export type ParameterSlot = readonly [group: string, field: string];

/** A parameter name `<group>_<field>` as its slot. */
export function parameterSlot(name: string): ParameterSlot {
  const split = name.indexOf("_");
  if (split <= 0) throw new Error(`statement parameter "${name}" is not <group>_<field>`);
  return [name.slice(0, split), name.slice(split + 1)];
}

/** The values of a statement's slots, in order. A missing value fails the call; null is a value. */
export function slotValues(
  statement: string,
  slots: readonly ParameterSlot[],
  values: StatementValues,
): unknown[] {
  return slots.map(([group, field]) => {
    const value = values[group]?.[field];
    if (value === undefined) throw new Error(`statement ${statement}: no value for ${group}_${field}`);
    return value;
  });
}

type CompiledStatement = {
  query: { sql: string; params: unknown[] };
  /** The slot of each distinct parameter, in $n order. */
  slots: readonly ParameterSlot[];
};

/**
 * Each distinct name becomes one `$n`, however often the text uses it: fewer values to bind and
 * send per call. drizzle numbers every occurrence; the text is renumbered to the first one's slot.
 */
function compileStatement(build: (params: StatementParams) => SQL): CompiledStatement {
  const raw = dialect.sqlToQuery(build(placeholders));
  const slotByName = new Map<string, number>();
  const slots: ParameterSlot[] = [];
  const numbers = raw.params.map((param) => {
    const name = (param as { name?: unknown }).name;
    if (!(param instanceof Placeholder) || typeof name !== "string") {
      throw new Error("statement templates take named parameters only");
    }
    let slot = slotByName.get(name);
    if (slot === undefined) {
      slot = slots.length;
      slots.push(parameterSlot(name));
      slotByName.set(name, slot);
    }
    return slot + 1;
  });
  const text = raw.sql.replace(/\$(\d+)\b/g, (_match, n: string) => `$${numbers[Number(n) - 1]}`);
  return { query: { sql: text, params: slots.map((_slot, i) => sql.placeholder(String(i))) }, slots };
}

/**
 * A hand-written statement for a hot path, built once from named parameters and run many times
 * with their values. Building a large statement with drizzle on every call costs the API process
 * more CPU than anything else it does for the request; and run as a named prepared statement,
 * PostgreSQL parses and plans it once per connection instead of on every call. `name` must change
 * whenever the text does. A value missing for a parameter fails the call; null is a value.
 */
export function statementTemplate(name: string, build: (params: StatementParams) => SQL) {
  let compiled: CompiledStatement | undefined;
  // One runner per session: a pool's lives as long as the hub, a transaction's for that
  // transaction only.
  const bySession = new WeakMap<object, StatementRunner>();
  return async function run<Row>(db: Database | Tx, values: StatementValues): Promise<Row[]> {
    compiled ??= compileStatement(build);
    const session = db._.session;
    let runner = bySession.get(session);
    if (!runner) {
      runner = statementRunner(session, compiled, name);
      bySession.set(session, runner);
    }
    return (await runner(slotValues(name, compiled.slots, values))) as Row[];
  };
}

/**
 * What `make` builds for a database, built once per database handle (a prepared drizzle query, a
 * cache): every call after the first answers the same one.
 */
export function onePerDatabase<T>(make: (db: Database) => T): (db: Database) => T {
  const made = new WeakMap<Database, T>();
  return (db) => {
    let value = made.get(db);
    if (value === undefined) {
      value = make(db);
      made.set(db, value);
    }
    return value;
  };
}

/**
 * The rows of a `db.execute(sql...)`: both drivers answer `{ rows }`, which the database type,
 * generic over the driver, does not say.
 */
export function rowsOf<Row>(result: unknown): Row[] {
  return "rows" in (result as object) ? (result as { rows: Row[] }).rows : (result as Row[]);
}

type StatementRunner = (args: unknown[]) => Promise<unknown[]>;

/** The node-postgres pool (or, in a transaction, client) under a drizzle session; none on PGlite. */
export function pgClientOf(session: Database["_"]["session"]): pg.Pool | pg.Client | undefined {
  const client = (session as { client?: unknown }).client;
  return client instanceof pg.Pool || client instanceof pg.Client ? client : undefined;
}

function statementRunner(
  session: Database["_"]["session"],
  compiled: CompiledStatement,
  name: string,
): StatementRunner {
  const client = pgClientOf(session);
  if (client) {
    // node-postgres directly: drizzle's prepared query adds several promises and a lookup per
    // parameter to every call, which a statement this hot pays for under load.
    const text = compiled.query.sql;
    return async (values) => {
      try {
        return (await client.query({ name, text, values })).rows;
      } catch (err) {
        throw nameFailedQuery(err, name);
      }
    };
  }
  const prepared = session.prepareQuery(compiled.query as Query, undefined, name, false);
  return async (args) => {
    // The placeholders are named "0", "1", ...: the array is the values object drizzle reads them from.
    const result = (await prepared
      .execute(args as unknown as Record<string, unknown>)
      .catch((err: unknown) => Promise.reject(nameFailedQuery(err, name)))) as
      | { rows: unknown[] }
      | unknown[];
    return Array.isArray(result) ? result : result.rows;
  };
}

export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: "postgres" | "pglite";
  migrate(): Promise<void>;
  ping(): Promise<void>;
  /** Calls onNotify on every NOTIFY of the channel (and once after a lost listener listens again). */
  listen(channel: string, onNotify: () => void): Promise<Unlisten>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
// Any constant works; it only has to be the same in every process that migrates this database.
const migrationLockKey = 7_314_159_265;

/** A real PostgreSQL server when DATABASE_URL is set, else PGlite under DATA_DIR. */
export function openDatabase(config: Config["database"], logger: Logger): DatabaseHandle {
  return config.url
    ? openPostgres(config.url, config.poolSize, logger, config.statementTimeoutMs)
    : openPglite(`${config.dataDir}/pg`);
}

/** statementTimeoutMs: the longest one statement may run (0 = no limit); migrations are exempt. */
export function openPostgres(
  url: string,
  poolSize: number,
  logger?: Logger,
  statementTimeoutMs = 30_000,
): DatabaseHandle {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    // Under overload a request fails after this long instead of queueing for a connection forever.
    connectionTimeoutMillis: 10_000,
    // A transaction left open (a bug, a stuck request) must not hold its locks and connection.
    idle_in_transaction_session_timeout: 60_000,
    // A retry waiting on the first request's idempotency key, or any other lock, gives up in time.
    lock_timeout: 30_000,
    // A runaway query gives its connection back instead of holding it (and the request) for ever.
    statement_timeout: statementTimeoutMs,
    stream: () => new TickGatheringSocket(),
  });
  // An idle pooled connection that the server drops (restart, failover) must not crash the process:
  // the pool discards it and the next query opens a new one.
  pool.on("error", (err) => logger?.warn({ err: err.message }, "idle database connection lost"));
  const db: Database = drizzleNodePg(pool, { schema });
  return {
    db,
    kind: "postgres",
    async migrate() {
      // api and worker processes may start together against one database: one migrates, the other waits.
      const client = await pool.connect();
      try {
        // Waiting for another process's migration, or building an index on a large table, may
        // rightly take longer than any request's statement.
        await client.query("SET statement_timeout = 0");
        await client.query("SELECT pg_advisory_lock($1)", [migrationLockKey]);
        await migrateNodePg(drizzleNodePg(client, { schema }), { migrationsFolder });
      } finally {
        await client.query("SELECT pg_advisory_unlock($1)", [migrationLockKey]).catch(() => undefined);
        await client.query("RESET statement_timeout").catch(() => undefined);
        client.release();
      }
    },
    async ping() {
      await db.execute(sql`SELECT 1`);
    },
    listen(channel, onNotify) {
      return listenPostgres({ url, channel, onNotify, logger });
    },
    async close() {
      await pool.end();
    },
  };
}

/** dataDir undefined keeps the database in memory (used by tests of the embedded path). */
export function openPglite(dataDir: string | undefined): DatabaseHandle {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  // pg_trgm serves the desk's title search (migration 0017 creates it where it is available).
  const client = new PGlite({ ...(dataDir ? { dataDir } : {}), extensions: { pg_trgm } });
  const db: Database = drizzlePglite(client, { schema });
  return {
    db,
    kind: "pglite",
    async migrate() {
      await migratePglite(drizzlePglite(client, { schema }), { migrationsFolder });
    },
    async ping() {
      await db.execute(sql`SELECT 1`);
    },
    // One embedded engine per process: a NOTIFY of its own sessions reaches its listeners.
    listen(channel, onNotify) {
      return client.listen(channel, () => onNotify());
    },
    async close() {
      await client.close();
    },
  };
}

/**
 * Runs independent reads at once on a pool, and one after another inside a transaction: a
 * transaction holds one connection, where node-postgres would queue them anyway and deprecates
 * being asked to (pg 9 refuses it).
 */
export async function readsOn<T extends readonly unknown[]>(
  reader: Database | Tx,
  ...reads: { [K in keyof T]: () => Promise<T[K]> }
): Promise<T> {
  if (pgClientOf(reader._.session) instanceof pg.Client) {
    const results: unknown[] = [];
    for (const read of reads) results.push(await read());
    return results as unknown as T;
  }
  return (await Promise.all(reads.map((read) => read()))) as unknown as T;
}
