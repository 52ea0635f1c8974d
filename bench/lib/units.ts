import { throwIfInterrupted } from "./interrupted.js";

/** The value at percentile p (nearest rank) of values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The median of values (percentile 50, nearest rank); NaN for none. */
export const median = (values: readonly number[]) => percentile(values, 50);

export type UnitsResult<A extends string> = Readonly<{
  units: number;
  elapsedMs: number;
  /** Milliseconds of every call, by action. */
  latencies: Readonly<Record<A, readonly number[]>>;
  failures: readonly string[];
}>;

/**
 * Runs `units` units of work over `concurrency` loops, each unit its `actions` in order, each one
 * timed; `step(unit, action, state)` makes one call and resolves with an error text or undefined
 * (a unit stops at its first failure). `state` carries what one action hands the next (an id).
 */
export async function runUnits<A extends string>(
  actions: readonly A[],
  units: number,
  concurrency: number,
  signal: AbortSignal,
  step: (unit: number, action: A, state: Record<string, string>) => Promise<string | undefined>,
): Promise<UnitsResult<A>> {
  const latencies = Object.fromEntries(actions.map((a) => [a, [] as number[]])) as Record<A, number[]>;
  const failures: string[] = [];
  let next = 0;
  const started = performance.now();
  const loop = async () => {
    for (let unit = next++; unit < units; unit = next++) {
      throwIfInterrupted(signal);
      const state: Record<string, string> = {};
      for (const action of actions) {
        const t0 = performance.now();
        const failure = await step(unit, action, state);
        latencies[action].push(performance.now() - t0);
        if (failure) {
          if (failures.length < 5) failures.push(failure);
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, units) }, loop));
  return { units, elapsedMs: performance.now() - started, latencies, failures };
}
