import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import pg from "pg";
import type { Database, StatementParams, StatementValues } from "./client.js";

const dialect = new PgDialect();

/** The relation a batched statement reads its rows from: one row per call, one column per name. */
export const batchInput = "input_row";

export type BatchLimits = Readonly<{
  /** Most calls written by one statement. */
  maxRows: number;
  /** Most statements of this kind running at once; the pool keeps the rest of its connections. */
  maxInFlight: number;
}>;

type Pending<Row> = {
  args: unknown[];
  key: string;
  resolve: (row: Row | undefined) => void;
  reject: (err: unknown) => void;
};

type Lane<Row> = { pending: Pending<Row>[]; inFlight: number };

/**
 * A single-row write that many concurrent requests make, run as one multi-row statement for all
 * the calls waiting when a statement slot frees up. Under load PostgreSQL then pays its
 * per-statement costs (round trip, executor start, commit and its WAL flush) once per batch rather
 * than once per row, and the API process sends one query instead of many; an idle hub still sends
 * each call at once, alone. Each statement is one transaction: its rows commit together or not at
 * all, and a failed batch of several is answered "not written" to each caller, who then writes
 * alone (and sees any error that is its own).
 *
 * `build` gets, for any alias of the input, named parameters that read that alias's columns
 * (`columns(batchInput).t_id` is `input_row.t_id`); every name used becomes a column of
 * `input_row`, filled from each call's values as statementTemplate fills parameters. The statement
 * must return a `key` column; a call whose key (`keyOf` its values) is not among the rows returned
 * is answered undefined. node-postgres pools only: `run` answers null for any other database.
 */
export function batchedStatement<Row extends { key: string }>(
  name: string,
  keyOf: (values: StatementValues) => string,
  build: (columns: (alias: string) => StatementParams) => SQL,
  limits: BatchLimits,
) {
  let compiled: { text: string; slots: ReadonlyArray<readonly [string, string]> } | undefined;
  const lanes = new WeakMap<pg.Pool, Lane<Row>>();

  function compile() {
    const names: string[] = [];
    const columns = (alias: string) =>
      new Proxy({} as StatementParams, {
        get: (_target, property) => {
          const column = String(property);
          if (!/^[a-z]+_[a-z_]+$/.test(column))
            throw new Error(`batch column "${column}" is not <group>_<field>`);
          if (!names.includes(column)) names.push(column);
          return sql.raw(`${alias}.${column}`);
        },
      });
    const body = dialect.sqlToQuery(build(columns));
    if (body.params.length > 0) throw new Error(`batched statement ${name} takes its values as columns only`);
    const input = names.map((column, i) => `x->>${i} AS ${column}`).join(", ");
    const text = `WITH ${batchInput} AS (SELECT ${input} FROM jsonb_array_elements($1::jsonb) AS r(x)), ${body.sql}`;
    const slots = names.map((column) => {
      const split = column.indexOf("_");
      return [column.slice(0, split), column.slice(split + 1)] as const;
    });
    return { text, slots };
  }

  function statement() {
    if (!compiled) compiled = compile();
    return compiled;
  }

  async function write(pool: pg.Pool, batch: Pending<Row>[]): Promise<void> {
    try {
      const { rows } = await pool.query<Row>({
        name,
        text: statement().text,
        values: [JSON.stringify(batch.map((call) => call.args))],
      });
      const byKey = new Map(rows.map((row) => [row.key, row]));
      for (const call of batch) call.resolve(byKey.get(call.key));
    } catch (err) {
      if (batch.length === 1) batch[0]?.reject(err);
      else for (const call of batch) call.resolve(undefined);
    }
  }

  function drain(pool: pg.Pool, lane: Lane<Row>): void {
    while (lane.inFlight < limits.maxInFlight && lane.pending.length > 0) {
      const batch = lane.pending.splice(0, limits.maxRows);
      lane.inFlight++;
      void write(pool, batch).finally(() => {
        lane.inFlight--;
        drain(pool, lane);
      });
    }
  }

  return function run(db: Database, values: StatementValues): Promise<Row | undefined> | null {
    const pool = (db._.session as { client?: unknown }).client;
    if (!(pool instanceof pg.Pool)) return null;
    const args = statement().slots.map(([group, field]) => {
      const value = values[group]?.[field];
      if (value === undefined) throw new Error(`batched statement ${name}: no value for ${group}_${field}`);
      return value;
    });
    let lane = lanes.get(pool);
    if (!lane) {
      lane = { pending: [], inFlight: 0 };
      lanes.set(pool, lane);
    }
    const queued = lane;
    return new Promise<Row | undefined>((resolve, reject) => {
      queued.pending.push({ args, key: keyOf(values), resolve, reject });
      drain(pool, queued);
    });
  };
}
