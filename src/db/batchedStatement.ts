import { type SQL, sql } from "drizzle-orm";
import pg from "pg";
import { type BatchLaneLimits, batchLane } from "./batchLane.js";
import {
  type Database,
  dialect,
  type ParameterSlot,
  parameterSlot,
  pgClientOf,
  type StatementParams,
  type StatementValues,
  slotValues,
  statementTemplate,
  type Tx,
} from "./client.js";
import { driverErrorOf } from "./errors.js";

/** The relation a batched statement reads its rows from: one row per call, one column per name. */
export const batchInput = "input_row";

/** maxRows: most calls one statement writes; maxInFlight: statements at once (the pool keeps the rest). */
export type BatchLimits = BatchLaneLimits &
  Readonly<{
    /**
     * Each call's advisory lock (as `pg_advisory_xact_lock(hashtextextended(key, 0))`), when the
     * statement must see everything committed by whoever held it before: the batch then runs in a
     * transaction that takes every call's lock first, in one statement of its own and in one order.
     */
    lockKeyOf?: (values: StatementValues) => string;
    /**
     * Planned for each batch instead of prepared once: for a table that grows from empty to a
     * backlog of tens of thousands of rows within minutes (webhook deliveries). A prepared
     * statement keeps the plan it was given on the first runs, and one made while the table was
     * nearly empty (read it all, hash it, match the batch's keys) then reads the whole table for
     * every batch: measured at 62,000 rows, 24-30 ms a batch against 1.5-6 ms by key.
     */
    planEachTime?: boolean;
  }>;

type Pending<Row> = {
  args: unknown[];
  key: string;
  lock: string | undefined;
  resolve: (row: Row | undefined) => void;
  reject: (err: unknown) => void;
};

/** What one batched statement has done in this process, for the metrics endpoint. */
export type BatchCounts = {
  /** Statements sent, and the calls they carried: rows / statements is the mean batch size. */
  statements: number;
  rows: number;
  /** Calls answered "not written" because a row's data failed their batch, or it lost a deadlock. */
  failedByData: number;
  /** Calls sent the single-row way because too many were waiting. */
  overflowed: number;
};

const countsByName = new Map<string, BatchCounts>();

/** Every batched statement's counts so far, by statement name. */
export function batchedStatementCounts(): ReadonlyMap<string, Readonly<BatchCounts>> {
  return countsByName;
}

/**
 * A single-row write that many concurrent requests make, run as one multi-row statement for all
 * the calls waiting when a statement slot frees up. Under load PostgreSQL then pays its
 * per-statement costs (round trip, executor start, commit and its WAL flush) once per batch rather
 * than once per row, and the API process sends one query instead of many; an idle hub still sends
 * each call at once, alone. Each statement is one transaction: its rows commit together or not at
 * all. A batch that a row's data fails (SQLSTATE classes 22 and 23), or that PostgreSQL rolled back
 * for its concurrency with another transaction (class 40: a deadlock between two batches that
 * create the same new rows in crossing orders), is answered "not written" to each caller, who then
 * writes alone and meets only its own error; any other failure is every caller's. When too many
 * calls wait, `run` answers null: write alone.
 *
 * `build` gets, for any alias of the input, named parameters that read that alias's columns
 * (`columns(batchInput).t_id` is `input_row.t_id`); every name used becomes a column of
 * `input_row`, filled from each call's values as statementTemplate fills parameters. The statement
 * must return a `key` column; a call whose key (`keyOf` its values) is not among the rows returned
 * is answered undefined. node-postgres pools only: `run` answers null for any other database (a
 * transaction included).
 */
export function batchedStatement<Row extends { key: string }>(
  name: string,
  keyOf: (values: StatementValues) => string,
  build: (columns: (alias: string) => StatementParams) => SQL,
  limits: BatchLimits,
) {
  let compiled: { text: string; slots: readonly ParameterSlot[] } | undefined;
  const lanes = new WeakMap<pg.Pool, ReturnType<typeof batchLane<Pending<Row>>>>();
  const counts: BatchCounts = countsByName.get(name) ?? {
    statements: 0,
    rows: 0,
    failedByData: 0,
    overflowed: 0,
  };
  countsByName.set(name, counts);

  function compile() {
    const names: string[] = [];
    const body = dialect.sqlToQuery(build(batchColumns(names)));
    if (body.params.length > 0) throw new Error(`batched statement ${name} takes its values as columns only`);
    const text = `WITH ${batchInput} AS (SELECT ${inputColumns(names)} FROM jsonb_array_elements($1::jsonb) AS r(x)), ${body.sql}`;
    return { text, slots: names.map(parameterSlot) };
  }

  function statement() {
    if (!compiled) compiled = compile();
    return compiled;
  }

  async function write(pool: pg.Pool, batch: Pending<Row>[]): Promise<void> {
    counts.statements++;
    counts.rows += batch.length;
    try {
      const input = JSON.stringify(batch.map((call) => call.args));
      const { rows } = limits.lockKeyOf
        ? await underLocks<Row>(pool, batch, { name, text: statement().text }, input)
        : await pool.query<Row>({
            ...(limits.planEachTime ? {} : { name }),
            text: statement().text,
            values: [input],
          });
      const byKey = new Map(rows.map((row) => [row.key, row]));
      for (const call of batch) call.resolve(byKey.get(call.key));
    } catch (err) {
      // A row's data failed the statement, or the batch lost a deadlock: nothing was written, and
      // every call writes alone and meets only its own error. Anything else (connection, timeout,
      // shutdown) is every call's error, as it would be alone.
      if (isWriteAloneError(err)) {
        counts.failedByData += batch.length;
        for (const call of batch) call.resolve(undefined);
      } else {
        for (const call of batch) call.reject(err);
      }
    }
  }

  /**
   * The next batch: up to maxRows waiting calls, at most one per key. A second call with a key
   * already in the batch waits for the next statement: answered from one statement, both would get
   * the one row (two jobs of one webhook delivery would both hold it), where one after the other
   * the second sees what the first wrote.
   */
  function distinctKeys(waiting: Pending<Row>[]): Pending<Row>[] {
    const batch: Pending<Row>[] = [];
    const keys = new Set<string>();
    const rest: Pending<Row>[] = [];
    for (const call of waiting) {
      if (batch.length < limits.maxRows && !keys.has(call.key)) {
        keys.add(call.key);
        batch.push(call);
      } else rest.push(call);
    }
    waiting.splice(0, waiting.length, ...rest);
    return batch;
  }

  return function run(db: Database, values: StatementValues): Promise<Row | undefined> | null {
    // A pool only: inside a transaction (a pooled client) the call writes alone.
    const pool = pgClientOf(db._.session);
    if (!(pool instanceof pg.Pool)) return null;
    let lane = lanes.get(pool);
    if (!lane) {
      lane = batchLane<Pending<Row>>(limits, (batch) => write(pool, batch), distinctKeys);
      lanes.set(pool, lane);
    }
    // Past this many waiting calls the database is not keeping up: a call then goes the single-row
    // way, where the pool's connection timeout sheds load, instead of waiting here unbounded.
    if (lane.waiting() >= limits.maxInFlight * limits.maxRows * 2) {
      counts.overflowed++;
      return null;
    }
    const args = inputRow(name, statement().slots, values);
    const queued = lane;
    return new Promise<Row | undefined>((resolve, reject) => {
      const lock = limits.lockKeyOf?.(values);
      queued.add({ args, key: keyOf(values).toWellFormed(), lock, resolve, reject });
    });
  };
}

/**
 * `columns(alias)` for a batched statement's `build`: named parameters that read that alias's
 * columns, each name used recorded in `names` (in first-use order, the input row's column order).
 */
function batchColumns(names: string[]) {
  return (alias: string) =>
    new Proxy({} as StatementParams, {
      get: (_target, property) => {
        const column = String(property);
        if (!/^[a-z]+_[a-z_]+$/.test(column))
          throw new Error(`batch column "${column}" is not <group>_<field>`);
        if (!names.includes(column)) names.push(column);
        return sql.raw(`${alias}.${column}`);
      },
    });
}

/** The input row's columns, read from each element `x` of the batch's jsonb array. */
const inputColumns = (names: readonly string[]) =>
  names.map((column, i) => `x->>${i} AS ${column}`).join(", ");

/** A call's values in the input row's column order; strings well formed (see batchedStatement's run). */
function inputRow(name: string, slots: readonly ParameterSlot[], values: StatementValues): unknown[] {
  // JSON carries a lone UTF-16 surrogate as an escape that jsonb refuses; as a text parameter
  // of a single-row statement it becomes U+FFFD. Make it the same here.
  return slotValues(name, slots, values).map((value) =>
    typeof value === "string" ? value.toWellFormed() : value,
  );
}

/**
 * batchedStatement's statement for a caller that already holds its calls together, inside a
 * transaction of its own making (the inbound router's batch writes tickets with the conversation
 * rows that open them): one statement for all the rows given, on any database handle, the
 * transaction's included. Answers the statement's rows; a failure is the caller's (its
 * transaction's) to handle.
 */
export function batchedTemplate<Row>(
  name: string,
  build: (columns: (alias: string) => StatementParams) => SQL,
) {
  // The columns the statement reads are known once it is built (batchColumns records them).
  const names: string[] = [];
  const body = build(batchColumns(names));
  const slots = names.map(parameterSlot);
  const template = statementTemplate(
    name,
    (p) =>
      sql`WITH ${sql.raw(batchInput)} AS (SELECT ${sql.raw(inputColumns(names))} FROM jsonb_array_elements(${p.batch_rows}::jsonb) AS r(x)), ${body}`,
  );
  return async (db: Database | Tx, calls: readonly StatementValues[]): Promise<Row[]> => {
    if (calls.length === 0) return [];
    const rows = JSON.stringify(calls.map((values) => inputRow(name, slots, values)));
    return template<Row>(db, { batch: { rows } });
  };
}

/** Connections on which a locked batch's statement is prepared (SQL PREPARE), by statement name. */
const preparedOn = new Map<string, WeakSet<pg.PoolClient>>();

/**
 * The batch's statement in a transaction that first takes its calls' advisory locks, sorted, so
 * two batches never wait on each other crosswise. The locks are their own statement: the batch's
 * statement starts (takes its snapshot) only once it holds them all. BEGIN, the locks, the
 * statement and COMMIT travel in one simple query, one round trip for the whole transaction (three
 * before: the statement went apart for its parameter): the statement is prepared on the connection
 * with SQL's PREPARE, once, and executed with the batch's input as a quoted literal. Each statement
 * of a simple query takes its own snapshot, as apart; the first that fails skips the rest.
 */
async function underLocks<Row extends pg.QueryResultRow>(
  pool: pg.Pool,
  batch: ReadonlyArray<{ lock: string | undefined }>,
  statement: { name: string; text: string },
  input: string,
): Promise<pg.QueryResult<Row>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    const prepared = preparedOn.get(statement.name) ?? new WeakSet<pg.PoolClient>();
    preparedOn.set(statement.name, prepared);
    const name = client.escapeIdentifier(statement.name);
    if (!prepared.has(client)) {
      await client.query(`PREPARE ${name} (jsonb) AS ${statement.text}`);
      prepared.add(client);
    }
    const keys = batch.map((call) => client.escapeLiteral(call.lock ?? ""));
    // One result per statement: BEGIN, the locks, the batch's statement, COMMIT.
    const results = (await client.query(
      `BEGIN; SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtextextended(k, 0) AS h FROM unnest(ARRAY[${keys.join(", ")}]::text[]) AS k ORDER BY 1) AS l; EXECUTE ${name}(${client.escapeLiteral(input)}); COMMIT`,
    )) as unknown as Array<pg.QueryResult<Row>>;
    const result = results[2];
    if (!result) throw new Error(`${statement.name}: the locked batch answered no statement result`);
    return result;
  } catch (err) {
    await client.query("ROLLBACK").catch((rollbackErr: unknown) => {
      broken = rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/**
 * Invalid data (class 22) or a violated constraint (class 23), the rows' fault; or a transaction
 * rolled back for a deadlock or a serialization failure (class 40), the batch's own shape's fault.
 * Written alone, each row meets only what is its own.
 */
function isWriteAloneError(err: unknown): boolean {
  const code = driverErrorOf(err)?.code ?? "";
  return code.startsWith("22") || code.startsWith("23") || code.startsWith("40");
}
