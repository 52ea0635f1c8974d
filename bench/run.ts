import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Interrupted } from "./lib/interrupted.js";
import { progress } from "./lib/log.js";
import {
  checkTargets,
  formatJsonLine,
  formatRounds,
  formatRows,
  formatTable,
  formatTargets,
} from "./lib/report.js";
import type { BenchmarkModule } from "./lib/types.js";

/** Every benchmark, by the name given on the command line. Adding one is one line here. */
const benchmarks: Record<string, () => Promise<BenchmarkModule>> = {
  auth: () => import("./benchmarks/auth.js"),
  tickets: () => import("./benchmarks/tickets.js"),
  "tickets-new": () => import("./benchmarks/ticketsNew.js"),
  "tickets-mixed": () => import("./benchmarks/ticketsMixed.js"),
  journeys: () => import("./benchmarks/journeys.js"),
  timeline: () => import("./benchmarks/timeline.js"),
  webhooks: () => import("./benchmarks/webhooks.js"),
  handoff: () => import("./benchmarks/handoff.js"),
  notifications: () => import("./benchmarks/notifications.js"),
  inbound: () => import("./benchmarks/inbound.js"),
  "desk-scale": () => import("./benchmarks/deskScale.js"),
};

const usage =
  "usage: npm run bench -- <name> [--duration S] [--rounds N] [--connections N] [--warmup S] [--cpu-prof DIR] [--perf-map]";

const argsSchema = z.object({
  duration: z.coerce.number().positive().max(600).default(10),
  rounds: z.coerce.number().int().min(1).max(20).default(3),
  connections: z.coerce.number().int().min(1).max(1000).default(50),
  // The hub compiles far more code than a baseline: its first seconds under load run at a fraction
  // of its steady speed, so the warm-up is long enough to measure the steady state.
  warmup: z.coerce.number().min(0).max(120).default(5),
  "cpu-prof": z.string().min(1).optional(),
  "perf-map": z.boolean().default(false),
});

const repeatedSignalMs = 2000;

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

const envSchema = z.object({
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/ })
    .refine(
      (url) => loopbackHosts.has(new URL(url).hostname),
      "benchmarks run against a local PostgreSQL only",
    )
    .default("postgres://postgres@127.0.0.1:5432/test"),
  REDIS_URL: z
    .url({ protocol: /^redis$/ })
    .refine((url) => loopbackHosts.has(new URL(url).hostname), "benchmarks run against a local Redis only")
    .default("redis://127.0.0.1:6379"),
});

async function listBenchmarks(): Promise<void> {
  process.stderr.write(`${usage}\n\nbenchmarks:\n`);
  for (const [name, load] of Object.entries(benchmarks)) {
    const { benchmark } = await load();
    process.stderr.write(`  ${name.padEnd(12)} ${benchmark.summary}\n`);
  }
}

function problemsOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`).join("; ");
}

type Invocation = Readonly<{
  name: string;
  load: () => Promise<BenchmarkModule>;
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  cpuProfileDir: string | undefined;
  perfMap: boolean;
}>;

/** The command line, or why it cannot be run (the caller lists the benchmarks and exits 2). */
function parseInvocation(argv: string[]): Invocation | { problem: string | undefined } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        duration: { type: "string" },
        rounds: { type: "string" },
        connections: { type: "string" },
        warmup: { type: "string" },
        "cpu-prof": { type: "string" },
        "perf-map": { type: "boolean" },
      },
    });
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
  const [name, ...extra] = parsed.positionals;
  if (name === undefined) return { problem: undefined };
  if (extra.length > 0) return { problem: `unexpected arguments: ${extra.join(" ")}` };
  const load = benchmarks[name];
  if (!load) return { problem: `unknown benchmark "${name}"` };
  const args = argsSchema.safeParse(parsed.values);
  if (!args.success) return { problem: problemsOf(args.error) };
  const { duration, rounds, warmup, connections } = args.data;
  const cpuProf = args.data["cpu-prof"];
  const cpuProfileDir = cpuProf === undefined ? undefined : resolve(cpuProf);
  const perfMap = args.data["perf-map"];
  return { name, load, durationS: duration, rounds, warmupS: warmup, connections, cpuProfileDir, perfMap };
}

async function main(): Promise<number> {
  const invocation = parseInvocation(process.argv.slice(2));
  if ("problem" in invocation) {
    if (invocation.problem) process.stderr.write(`bench: ${invocation.problem}\n`);
    await listBenchmarks();
    return 2;
  }
  const present = Object.fromEntries(
    Object.entries(process.env).filter(([, v]) => v !== undefined && v !== ""),
  );
  const env = envSchema.safeParse(present);
  if (!env.success) {
    process.stderr.write(`bench: ${problemsOf(env.error)}\n`);
    return 2;
  }

  // First Ctrl-C: stop the load and clean up (database, Redis keys, children). Another one later
  // leaves at once. One Ctrl-C can arrive twice (the terminal's, then npm's and tsx's relays):
  // signals in the first seconds are the same keypress.
  const interrupt = new AbortController();
  let interruptedAt = 0;
  const onSignal = () => {
    if (!interrupt.signal.aborted) {
      interruptedAt = Date.now();
      progress("interrupted; cleaning up (press Ctrl-C again to leave without cleaning up)");
      interrupt.abort();
    } else if (Date.now() - interruptedAt > repeatedSignalMs) {
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const { name, rounds, warmupS, cpuProfileDir, perfMap } = invocation;
  const { benchmark } = await invocation.load();
  const durationS = benchmark.fixedLoad?.durationS ?? invocation.durationS;
  const connections = benchmark.fixedLoad?.connections ?? invocation.connections;
  progress(`${name}: ${benchmark.summary}`);
  if (cpuProfileDir) {
    mkdirSync(cpuProfileDir, { recursive: true });
    progress(`CPU profiles go to ${cpuProfileDir}; profiled figures are slower than a plain run's`);
  }
  if (perfMap)
    progress(
      "the servers write /tmp/perf-<pid>.map for perf; profiled figures are slower than a plain run's",
    );
  const comparison = await benchmark.run({
    durationS,
    rounds,
    warmupS,
    connections,
    databaseUrl: env.data.DATABASE_URL,
    redisUrl: env.data.REDIS_URL,
    signal: interrupt.signal,
    cpuProfileDir,
    perfMap,
  });
  const verdicts = checkTargets(comparison, benchmark.targets ?? []);

  process.stdout.write(
    `\n${name}: median of ${rounds} rounds of ${durationS} s per side (alternating, after a ${warmupS} s warm-up), ` +
      `${connections} connections, ratio = hub / baseline\n`,
  );
  process.stdout.write(`${formatTable(comparison)}\n\n`);
  const perRound = formatRounds(comparison);
  if (perRound) process.stdout.write(`${perRound}\n\n`);
  if (comparison.rows) process.stdout.write(`${formatRows(comparison)}\n`);
  if (verdicts.length > 0) process.stdout.write(`${formatTargets(verdicts)}\n`);
  if (comparison.rows || verdicts.length > 0) process.stdout.write("\n");
  const context = {
    benchmark: name,
    durationS,
    rounds,
    warmupS,
    connections,
    profiled: cpuProfileDir !== undefined || perfMap,
  };
  process.stdout.write(`${formatJsonLine(comparison, context, verdicts)}\n`);
  if (comparison.failures.length > 0) {
    const list = comparison.failures.map((f) => `  - ${f}`).join("\n");
    process.stderr.write(`\n!!! MEASUREMENT FAILED: these figures are not to be trusted !!!\n${list}\n`);
    return 1;
  }
  if (verdicts.some((v) => !v.met)) {
    process.stderr.write("\nbench: the run is good, and the hub misses a target of this benchmark\n");
    return 3;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof Interrupted) {
      process.stderr.write("bench: interrupted\n");
      process.exit(130);
    }
    process.stderr.write(
      `bench: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
