/** What the runner hands every benchmark: the shape of this run and where the shared services are. */
export type BenchOptions = Readonly<{
  durationS: number;
  /** The short unmeasured run before each measured one, so both sides are compiled and pooled. */
  warmupS: number;
  connections: number;
  /** The server's maintenance database; each run creates its own database beside it and drops it. */
  databaseUrl: string;
  redisUrl: string;
  /** Aborted on Ctrl-C: the load stops, then everything the run created is cleaned up. */
  signal: AbortSignal;
}>;

/** One measured figure of both sides. `key` is the stable name used in the JSON line. */
export type Figure = Readonly<{ key: string; label: string; hub: number; baseline: number }>;

export type Comparison = Readonly<{
  figures: readonly Figure[];
  /** Why the figures cannot be trusted (non-2xx answers, socket errors); empty for a good run. */
  failures: readonly string[];
}>;

export type Benchmark = Readonly<{
  /** One line for the listing: what the hub side does and what it is compared with. */
  summary: string;
  run(options: BenchOptions): Promise<Comparison>;
}>;

/** What a file under bench/benchmarks/ exports. */
export type BenchmarkModule = { readonly benchmark: Benchmark };
