import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import type { Comparison, Figure, Target } from "./types.js";

export type ReportContext = Readonly<{
  benchmark: string;
  durationS: number;
  rounds: number;
  warmupS: number;
  connections: number;
  /** Both servers ran under --cpu-prof: slower than a plain run, not to compare with one. */
  profiled: boolean;
}>;

/** A target checked against a run: the figure's ratio and whether it is within the bound. */
export type TargetVerdict = Target & Readonly<{ label: string; ratio: number | null; met: boolean }>;

function ratio(figure: Figure): number | null {
  return figure.baseline === 0 ? null : figure.hub / figure.baseline;
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The human table: figure | hub | baseline | ratio (hub / baseline). */
export function formatTable(comparison: Comparison): string {
  const rows = [
    ["figure", "hub", "baseline", "ratio"],
    ...comparison.figures.map((f) => {
      const r = ratio(f);
      return [
        f.label,
        formatNumber(f.hub),
        formatNumber(f.baseline),
        r === null ? "n/a" : `${r.toFixed(2)}x`,
      ];
    }),
  ];
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]?.length ?? 0)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(" | ")} |`;
  const rule = `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`;
  const [header, ...body] = rows;
  return [line(header ?? []), rule, ...body.map(line)].join("\n");
}

/** Each target's verdict; a target naming no figure of the comparison is a bug in the benchmark. */
export function checkTargets(comparison: Comparison, targets: readonly Target[]): TargetVerdict[] {
  return targets.map((target) => {
    const figure = comparison.figures.find((f) => f.key === target.key);
    if (!figure) throw new Error(`target on unknown figure "${target.key}"`);
    const r = ratio(figure);
    const met =
      r !== null &&
      (target.atLeast === undefined || r >= target.atLeast) &&
      (target.atMost === undefined || r <= target.atMost);
    return { ...target, label: figure.label, ratio: r, met };
  });
}

/** One line per target: the ratio, the bound, met or MISSED. */
export function formatTargets(verdicts: readonly TargetVerdict[]): string {
  return verdicts
    .map((v) => {
      const bounds = [
        v.atLeast === undefined ? undefined : `>= ${v.atLeast.toFixed(2)}x`,
        v.atMost === undefined ? undefined : `<= ${v.atMost.toFixed(2)}x`,
      ].filter((b) => b !== undefined);
      const got = v.ratio === null ? "n/a" : `${v.ratio.toFixed(2)}x`;
      return `target: ${v.label} ratio ${got}, wanted ${bounds.join(" and ")}: ${v.met ? "met" : "MISSED"}`;
    })
    .join("\n");
}

/** Rows written against 2xx answers, one line per side, for benchmarks whose requests write. */
export function formatRows(comparison: Comparison): string {
  const rows = comparison.rows ?? [];
  const width = Math.max(...rows.map((r) => r.table.length));
  const sideWidth = Math.max(...rows.map((r) => r.side.length));
  return rows
    .map((r) => {
      const ok = r.rows >= r.answered2xx && r.rows <= r.sent;
      return (
        `rows: ${r.side.padEnd(sideWidth)} ${r.table.padEnd(width)} ${String(r.rows).padStart(7)} rows for ` +
        `${String(r.answered2xx).padStart(7)} 2xx answers of ${String(r.sent).padStart(7)} requests sent` +
        ` (probe, warm-up and measured rounds): ${ok ? "ok" : "MISMATCH"}`
      );
    })
    .join("\n");
}

/**
 * Each round's ratios, so the spread behind the medians is on screen; with a rate-limiter-off hub,
 * its rounds too and what the limiter costs (hub with it on / hub with it off, of the medians).
 */
export function formatRounds(comparison: Comparison): string {
  const rounds = comparison.rounds ?? [];
  if (rounds.length === 0) return "";
  type Load = { reqPerSec: number; latencyP99Ms: number };
  const line = (label: string, of: (round: (typeof rounds)[number]) => Load | undefined) => {
    const ratios = rounds.flatMap((round) => {
      const hub = of(round);
      return hub
        ? [
            {
              throughput: hub.reqPerSec / round.baseline.reqPerSec,
              p99: hub.latencyP99Ms / round.baseline.latencyP99Ms,
            },
          ]
        : [];
    });
    const list = (pick: (r: (typeof ratios)[number]) => number) =>
      ratios.map((r) => `${pick(r).toFixed(2)}x`).join(" ");
    return `rounds, ${label} / baseline: throughput ${list((r) => r.throughput)}; p99 ${list((r) => r.p99)}`;
  };
  const lines = [line("hub", (round) => round.hub)];
  if (rounds.some((round) => round.hubLimiterOff)) {
    lines.push(line("hub with rate limiter off", (round) => round.hubLimiterOff));
    const figure = (key: string) => comparison.figures.find((f) => f.key === key)?.hub ?? Number.NaN;
    lines.push(
      `rate limiter on / off (hub medians): throughput ${(figure("reqPerSec") / figure("reqPerSecLimiterOff")).toFixed(2)}x, ` +
        `p99 ${(figure("latencyP99Ms") / figure("latencyP99MsLimiterOff")).toFixed(2)}x`,
    );
  }
  return lines.join("\n");
}

/** The same figures as one JSON line, to paste into an issue or a later comparison. */
export function formatJsonLine(
  comparison: Comparison,
  context: ReportContext,
  verdicts: readonly TargetVerdict[] = [],
): string {
  const figures = Object.fromEntries(
    comparison.figures.map((f) => {
      const r = ratio(f);
      return [f.key, { hub: round(f.hub), baseline: round(f.baseline), ratio: r === null ? null : round(r) }];
    }),
  );
  return JSON.stringify({
    benchmark: context.benchmark,
    at: new Date().toISOString(),
    commit: gitCommit(),
    node: process.version,
    cpus: cpus().length,
    durationS: context.durationS,
    rounds: context.rounds,
    warmupS: context.warmupS,
    connections: context.connections,
    ...(context.profiled ? { profiled: true } : {}),
    figures,
    ...(comparison.rounds ? { perRound: comparison.rounds } : {}),
    ...(comparison.rows ? { rows: comparison.rows } : {}),
    ...(verdicts.length > 0
      ? {
          targets: verdicts.map((v) => ({
            key: v.key,
            ...(v.atLeast === undefined ? {} : { atLeast: v.atLeast }),
            ...(v.atMost === undefined ? {} : { atMost: v.atMost }),
            ratio: v.ratio === null ? null : round(v.ratio),
            met: v.met,
          })),
        }
      : {}),
    failures: comparison.failures,
  });
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function gitCommit(): string | null {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      encoding: "utf8",
      stdio: "pipe",
    }).trim();
    const dirty = execFileSync("git", ["status", "--porcelain"], { encoding: "utf8", stdio: "pipe" }).trim();
    return dirty ? `${head}+dirty` : head;
  } catch {
    return null; // not a git checkout
  }
}
