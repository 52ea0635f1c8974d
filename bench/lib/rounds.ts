import { progress } from "./log.js";
import type { Comparison, Figure } from "./types.js";
import { median, percentile } from "./units.js";

/** One side's round of a benchmark that pushes a fixed amount of work through and times each unit. */
export type WorkRound = Readonly<{
  /** Units done per second over the round (first start to last finish). */
  perSecond: number;
  latenciesMs: readonly number[];
  failures: readonly string[];
}>;

/**
 * The rounds of a fixed-work benchmark: an unmeasured warm-up of each side, then `rounds` measured
 * rounds, the baseline then the hub each time (alternating spreads a shared machine's slow spells
 * over both), and the medians of throughput and of each round's p50 and p99 as the figures.
 */
export async function alternatingRounds(options: {
  rounds: number;
  /** Units of the warm-up round (0: none) and of each measured one. */
  warmupUnits: number;
  units: number;
  baseline: (round: number, units: number) => Promise<WorkRound>;
  hub: (round: number, units: number) => Promise<WorkRound>;
  /** Names in the figures: `rate` the throughput (key and label), `latency` what is timed. */
  rate: { key: string; label: string; unit: string };
  latency: string;
}): Promise<Comparison> {
  if (options.warmupUnits > 0) {
    progress(`warm-up: ${options.warmupUnits} ${options.rate.unit} each side, unmeasured`);
    await options.baseline(0, options.warmupUnits);
    await options.hub(0, options.warmupUnits);
  }
  const hubRounds: WorkRound[] = [];
  const baseRounds: WorkRound[] = [];
  const shown = (r: WorkRound) =>
    `${r.perSecond.toFixed(0)} ${options.rate.unit}/s (p50 ${percentile(r.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(r.latenciesMs, 99).toFixed(0)} ms)`;
  for (let round = 1; round <= options.rounds; round++) {
    const b = await options.baseline(round, options.units);
    const h = await options.hub(round, options.units);
    baseRounds.push(b);
    hubRounds.push(h);
    progress(`round ${round}: hub ${shown(h)}, baseline ${shown(b)}`);
  }
  const latencyAt = (p: number): Figure => ({
    key: `latencyP${p}Ms`,
    label: `${options.latency} p${p} ms`,
    hub: median(hubRounds.map((r) => percentile(r.latenciesMs, p))),
    baseline: median(baseRounds.map((r) => percentile(r.latenciesMs, p))),
  });
  const figures: Figure[] = [
    {
      key: options.rate.key,
      label: options.rate.label,
      hub: median(hubRounds.map((r) => r.perSecond)),
      baseline: median(baseRounds.map((r) => r.perSecond)),
    },
    latencyAt(50),
    latencyAt(99),
  ];
  return { figures, failures: [...hubRounds, ...baseRounds].flatMap((r) => r.failures) };
}
