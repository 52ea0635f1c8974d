import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { type DatabaseHandle, openPostgres, rowsOf } from "../../src/db/client.js";
import { adminClient } from "../lib/admin.js";
import { keptDatabase } from "../lib/database.js";
import { type DeskTenant, fillDeskTenant } from "../lib/deskScaleFill.js";
import {
  countersDisagree,
  type DeskRead,
  deskReads,
  type ReadTenant,
  readTenant,
} from "../lib/deskScaleReads.js";
import { queryExplainer } from "../lib/explain.js";
import { startHub } from "../lib/hub.js";
import { type LoadRequest, type LoadResult, loadFailures, probe, runLoad } from "../lib/load.js";
import { progress } from "../lib/log.js";
import { deleteBullKeys } from "../lib/redis.js";
import type { ServerProcess } from "../lib/serverProcess.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, BenchOptions, Comparison, Figure } from "../lib/types.js";
import { median } from "../lib/units.js";

const envSchema = z.object({
  /** Tickets per tenant of the large side (two tenants of this size). */
  BENCH_DESK_TICKETS: z.coerce.number().int().min(10_000).max(5_000_000).default(1_000_000),
  /** Tickets per tenant of the small side. */
  BENCH_DESK_SMALL: z.coerce.number().int().min(1_000).max(100_000).default(10_000),
  /** Only these reads, comma separated (names as listed in bench/lib/deskScaleReads.ts). */
  BENCH_DESK_READS: z.string().optional(),
});
const settings = envSchema.safeParse(process.env);

/** The fill's recipe: a changed recipe gets databases of its own instead of reusing old fills. */
const recipe = "v1";
const tenantSlugs = ["bench-desk-a", "bench-desk-b"] as const;

function selectedReads(): readonly DeskRead[] {
  const names = settings.success
    ? settings.data.BENCH_DESK_READS?.split(",").map((n) => n.trim())
    : undefined;
  return names ? deskReads.filter((read) => names.includes(read.name)) : deskReads;
}

type Side = {
  size: number;
  /** Why the sidebar's counters cannot be trusted on this side, if they cannot. */
  countersWrong: string | undefined;
  url: string;
  hub: ServerProcess;
  tenant: ReadTenant;
  key: string;
  loads: Map<string, LoadResult[]>;
};

/** The tenants a finished fill recorded in the database, or undefined when it never finished. */
async function filledTenants(handle: DatabaseHandle): Promise<DeskTenant[] | undefined> {
  const marker = rowsOf<{ name: string | null }>(
    await handle.db.execute(sql`SELECT to_regclass('bench_desk_scale')::text AS name`),
  );
  if (!marker[0]?.name) return undefined;
  const rows = rowsOf<{ tenant: DeskTenant }>(
    await handle.db.execute(sql`SELECT tenant FROM bench_desk_scale ORDER BY slug`),
  );
  return rows.length === tenantSlugs.length ? rows.map((r) => r.tenant) : undefined;
}

/**
 * A hub on the database of this size: `sb_desk_scale_<recipe>_<size>`, filled on first use and
 * kept (the fill of two million-ticket tenants takes minutes), migrated to this checkout's schema
 * before the hub starts (new indexes are built then), with a fresh key of the first tenant.
 */
async function preparedSide(options: BenchOptions, teardown: Teardown, size: number): Promise<Side> {
  const name = `sb_desk_scale_${recipe}_${size}`;
  let database = await keptDatabase(options.databaseUrl, name);
  let handle = openPostgres(database.url, 2, undefined, 0);
  let tenants = database.created ? undefined : await filledTenants(handle);
  if (!database.created && !tenants) {
    progress(`${name}: an earlier fill did not finish; starting again`);
    await handle.close();
    await database.drop();
    database = await keptDatabase(options.databaseUrl, name);
    handle = openPostgres(database.url, 2, undefined, 0);
  }
  teardown.defer(`close ${name}`, () => handle.close());
  const started = performance.now();
  await handle.migrate();
  progress(`${name}: migrated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const redisPrefix = `bench${randomBytes(6).toString("hex")}`;
  teardown.defer(`delete Redis keys {${redisPrefix}}*`, () => deleteBullKeys(options.redisUrl, redisPrefix));
  const hub = await startHub({
    databaseUrl: database.url,
    redisUrl: options.redisUrl,
    redisPrefix,
    signal: options.signal,
    // Reads only: the API role, as production deploys it. Workers would share its CPU.
    env: { ROLE: process.env.BENCH_HUB_ROLE ?? "api" },
  });
  teardown.defer(`stop hub (${size})`, () => hub.stop());
  const admin = adminClient(hub.url, hub.adminToken);

  if (!tenants) {
    const filled: DeskTenant[] = [];
    for (const [index, slug] of tenantSlugs.entries()) {
      const made = await admin.createTenant({ slug, name: slug });
      const fillStarted = performance.now();
      filled.push(await fillDeskTenant(handle, made, index + 1, size, options.signal));
      progress(`${slug}: ${size} tickets in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s`);
    }
    await handle.db.execute(sql`VACUUM ANALYZE`);
    await handle.db.execute(sql`CHECKPOINT`).catch(() => undefined);
    await handle.db.execute(
      sql`CREATE TABLE bench_desk_scale (slug text PRIMARY KEY, tenant jsonb NOT NULL)`,
    );
    for (const tenant of filled) {
      await handle.db.execute(
        sql`INSERT INTO bench_desk_scale (slug, tenant) VALUES (${tenant.slug}, ${JSON.stringify(tenant)}::jsonb)`,
      );
    }
    tenants = filled;
  }
  const [tenant] = tenants;
  if (!tenant) throw new Error(`${name}: no tenant`);
  const { key } = await admin.createApiKey({
    tenantId: tenant.id,
    name: `desk-scale ${new Date().toISOString()}`,
    scopes: ["desk:read", "omnichannel:read"],
  });
  return {
    size,
    countersWrong: await countersDisagree(handle, tenant),
    url: database.url,
    hub,
    tenant: await readTenant(handle, tenant),
    key,
    loads: new Map(),
  };
}

function request(side: Side, read: DeskRead): LoadRequest {
  return { path: read.path(side.tenant), headers: { authorization: `Bearer ${side.key}` } };
}

/** Each read's statements explained on each side; one line per statement, whole plans in a file. */
async function explainReads(sides: readonly Side[], reads: readonly DeskRead[]): Promise<string[]> {
  const lines: string[] = [];
  for (const side of sides) {
    const explainer = queryExplainer(side.url);
    const texts: string[] = [];
    try {
      for (const read of reads) {
        const queries = await explainer.capture((db) => read.explain(db, side.tenant));
        for (const [index, query] of queries.entries()) {
          const plan = await explainer.explain(query);
          const label = `${read.name}#${index + 1} @${side.size}`;
          lines.push(
            `${label}: ${plan.executionMs.toFixed(2)} ms, buffers hit ${plan.sharedHit} read ${plan.sharedRead}: ${plan.shape}`,
          );
          texts.push(`-- ${label}\n${query.sql}\n-- params ${JSON.stringify(query.params)}\n${plan.text}\n`);
        }
      }
    } finally {
      await explainer.close();
    }
    const file = join(tmpdir(), `desk-scale-plans-${side.size}.txt`);
    writeFileSync(file, texts.join("\n"));
    lines.push(`(whole plans at ${side.size}: ${file})`);
  }
  return lines;
}

/**
 * Issue 15: the agents' desk at a bank's scale. Two databases, kept between runs: one whose two
 * tenants hold 10,000 tickets each and one whose two tenants hold 1,000,000 each (BENCH_DESK_TICKETS
 * for a quicker run). Each read of the desk (and the partner's detail beside it) is explained on
 * both, then loaded by 10 concurrent readers for 5 s on each, in alternating rounds; the target is
 * p99 at the large size at most 3 × p99 at the small. In the table, "hub" is the large size and
 * "baseline" the small.
 */
export const benchmark: Benchmark = {
  summary: "the agents' desk reads, p99 with two tenants of 1,000,000 tickets vs two of 10,000",
  targets: selectedReads().map((read) => ({ key: `p99Ms_${read.name}`, atMost: 3 })),
  // The load: 10 agents reading at once, 5 s per read and size.
  fixedLoad: { connections: 10, durationS: 5 },
  async run(options): Promise<Comparison> {
    if (!settings.success) throw new Error(`desk-scale: ${settings.error.message}`);
    const { BENCH_DESK_TICKETS: large, BENCH_DESK_SMALL: small } = settings.data;
    const reads = selectedReads();
    if (reads.length === 0) throw new Error(`desk-scale: no read is named ${settings.data.BENCH_DESK_READS}`);
    const teardown = new Teardown();
    try {
      const sides = [
        await preparedSide(options, teardown, small),
        await preparedSide(options, teardown, large),
      ];
      for (const line of await explainReads(sides, reads)) process.stdout.write(`plan: ${line}\n`);
      const failures = sides.flatMap((side) => (side.countersWrong ? [side.countersWrong] : []));
      const shape = {
        connections: options.connections,
        durationS: options.durationS,
        signal: options.signal,
      };
      for (const read of reads) {
        for (const side of sides) {
          await probe(side.hub.url, request(side, read));
          if (options.warmupS > 0) {
            const warmup = await runLoad(side.hub.url, request(side, read), { ...shape, durationS: 1 });
            failures.push(...loadFailures(`${read.name} @${side.size} warm-up`, warmup));
          }
        }
        for (let round = 1; round <= options.rounds; round++) {
          const p99s: number[] = [];
          for (const side of sides) {
            const load = await runLoad(side.hub.url, request(side, read), shape);
            failures.push(...loadFailures(`${read.name} @${side.size} round ${round}`, load));
            side.loads.set(read.name, [...(side.loads.get(read.name) ?? []), load]);
            p99s.push(load.latencyMs.p99);
          }
          const [p99Small = Number.NaN, p99Large = Number.NaN] = p99s;
          progress(
            `${read.name} round ${round}: p99 ${p99Large} ms at ${large}, ${p99Small} ms at ${small} (${(p99Large / p99Small).toFixed(2)}x)`,
          );
        }
      }
      const [smallSide, largeSide] = sides as [Side, Side];
      const p99Of = (side: Side, read: DeskRead) =>
        median((side.loads.get(read.name) ?? []).map((load) => load.latencyMs.p99));
      const figures: Figure[] = reads.map((read) => ({
        key: `p99Ms_${read.name}`,
        label: `p99 ms, ${read.name}: ${read.path(largeSide.tenant)}`,
        hub: p99Of(largeSide, read),
        baseline: p99Of(smallSide, read),
      }));
      return { figures, failures };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
