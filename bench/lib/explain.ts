import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import type { Database } from "../../src/db/client.js";
import * as schema from "../../src/db/schema/index.js";

export type CapturedQuery = Readonly<{ sql: string; params: readonly unknown[] }>;

/** What one EXPLAIN (ANALYZE, BUFFERS) says, short: time, pages touched, and the plan's shape. */
export type PlanSummary = Readonly<{
  executionMs: number;
  sharedHit: number;
  sharedRead: number;
  /** The plan tree on one line: node(child, child), each scan with its index or table. */
  shape: string;
  /** The whole plan as PostgreSQL prints it. */
  text: string;
}>;

type PlanNode = {
  "Node Type": string;
  "Scan Direction"?: string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "CTE Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
};

function shapeOf(node: PlanNode): string {
  const backward = node["Scan Direction"] === "Backward" ? " Backward" : "";
  const target = node["Index Name"] ?? node["Relation Name"] ?? node["CTE Name"];
  const rows = (node["Actual Rows"] ?? 0) * (node["Actual Loops"] ?? 1);
  const removed = node["Rows Removed by Filter"] ? ` -${node["Rows Removed by Filter"]}` : "";
  const head = `${node["Node Type"]}${backward}${target ? ` ${target}` : ""} [${rows}${removed}]`;
  const children = node.Plans ?? [];
  return children.length === 0 ? head : `${head}(${children.map(shapeOf).join(", ")})`;
}

/**
 * Runs the hub's own query functions against a database with every statement they send captured,
 * then explains each one with its parameters: the plans of exactly what a route runs.
 */
export function queryExplainer(databaseUrl: string) {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    async capture(run: (db: Database) => Promise<unknown>): Promise<CapturedQuery[]> {
      const captured: CapturedQuery[] = [];
      const logger = { logQuery: (sql: string, params: unknown[]) => void captured.push({ sql, params }) };
      await run(drizzle(pool, { schema, logger }) as unknown as Database);
      return captured;
    },
    async explain(query: CapturedQuery): Promise<PlanSummary> {
      const run = (options: string) => pool.query(`EXPLAIN (${options}) ${query.sql}`, [...query.params]);
      // The first run reads the pages into the cache, as the load's first requests would.
      await run("ANALYZE, FORMAT JSON");
      const json = await run("ANALYZE, BUFFERS, FORMAT JSON");
      const [result] = (json.rows[0] as { "QUERY PLAN": Array<Record<string, unknown>> })["QUERY PLAN"];
      const plan = result?.Plan as PlanNode & { "Shared Hit Blocks"?: number; "Shared Read Blocks"?: number };
      const text = await run("ANALYZE, BUFFERS");
      return {
        executionMs: Number(result?.["Execution Time"] ?? Number.NaN),
        sharedHit: plan["Shared Hit Blocks"] ?? 0,
        sharedRead: plan["Shared Read Blocks"] ?? 0,
        shape: shapeOf(plan),
        text: text.rows.map((row: Record<string, string>) => row["QUERY PLAN"]).join("\n"),
      };
    },
    close: () => pool.end(),
  };
}
