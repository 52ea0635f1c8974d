/** What the runner hands every benchmark: the shape of this run and where the shared services are. */
export type BenchOptions = Readonly<{
  /** Seconds of each measured run. */
  durationS: number;
  /**
   * Measured runs per side, alternating baseline and hub; each figure is the median of its rounds.
   * Alternating spreads slow spells of a shared machine (and the database's checkpoints) over both
   * sides instead of letting one side's single run take them all.
   */
  rounds: number;
  /** The short unmeasured run before each measured one, so both sides are compiled and pooled. */
  warmupS: number;
  connections: number;
  /** The server's maintenance database; each run creates its own database beside it and drops it. */
  databaseUrl: string;
  redisUrl: string;
  /** Aborted on Ctrl-C: the load stops, then everything the run created is cleaned up. */
  signal: AbortSignal;
  /** When set, both servers run under `node --cpu-prof` and write their profiles here on exit. */
  cpuProfileDir?: string | undefined;
  /**
   * Both servers run under `node --perf-basic-prof`: each writes /tmp/perf-<pid>.map, so that a
   * `perf record -a` around the run names their JavaScript frames (see bench/README.md, Profiling).
   */
  perfMap?: boolean | undefined;
}>;

/** One measured figure of both sides. `key` is the stable name used in the JSON line. */
export type Figure = Readonly<{ key: string; label: string; hub: number; baseline: number }>;

/**
 * Rows one side's requests wrote, against its answers: the probe, the warm-up and the measured rounds.
 * Every 2xx answer must have written its row; requests cut off in flight at a run's end may have
 * written one too, so a good run has answered2xx <= rows <= sent.
 */
export type RowCount = Readonly<{
  /** "hub", "baseline", or "hub, rate limiter off". */
  side: string;
  table: string;
  rows: number;
  answered2xx: number;
  sent: number;
}>;

/** One round's figures of both sides, printed so that a run's spread is visible. */
export type Round = Readonly<{
  hub: Readonly<{ reqPerSec: number; latencyP99Ms: number }>;
  baseline: Readonly<{ reqPerSec: number; latencyP99Ms: number }>;
  /** The second hub, with its rate limiter off, for benchmarks that measure one. */
  hubLimiterOff?: Readonly<{ reqPerSec: number; latencyP99Ms: number }>;
}>;

export type Comparison = Readonly<{
  figures: readonly Figure[];
  /** The measured rounds the load figures are the medians of. */
  rounds?: readonly Round[];
  /** Why the figures cannot be trusted (non-2xx answers, socket errors); empty for a good run. */
  failures: readonly string[];
  /** For benchmarks whose requests write rows: what each side wrote. */
  rows?: readonly RowCount[];
}>;

/**
 * A goal stated in the benchmark's issue, on the ratio hub / baseline of one figure: e.g.
 * throughput at least 0.5, p99 latency at most 3. Checked and printed after a trustworthy run.
 */
export type Target = Readonly<{
  /** A figure's key, e.g. "reqPerSec". */
  key: string;
  atLeast?: number;
  atMost?: number;
}>;

export type Benchmark = Readonly<{
  /** One line for the listing: what the hub side does and what it is compared with. */
  summary: string;
  targets?: readonly Target[];
  /**
   * The load the benchmark always applies, whatever the command line says (an issue that states
   * its load: 10 readers for 5 s): the runner passes and prints these instead of the options'.
   */
  fixedLoad?: Readonly<{ connections: number; durationS: number }>;
  run(options: BenchOptions): Promise<Comparison>;
}>;

/** What a file under bench/benchmarks/ exports. */
export type BenchmarkModule = { readonly benchmark: Benchmark };
