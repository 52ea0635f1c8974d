import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import type { Comparison, Figure } from "./types.js";

export type ReportContext = Readonly<{
  benchmark: string;
  durationS: number;
  warmupS: number;
  connections: number;
}>;

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

/** The same figures as one JSON line, to paste into an issue or a later comparison. */
export function formatJsonLine(comparison: Comparison, context: ReportContext): string {
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
    warmupS: context.warmupS,
    connections: context.connections,
    figures,
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
