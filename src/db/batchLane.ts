/** How a lane batches: most calls one batch carries, and batches running at once. */
export type BatchLaneLimits = Readonly<{ maxRows: number; maxInFlight: number }>;

/**
 * Calls gathered into batches: whenever fewer than `maxInFlight` batches run, the calls waiting go
 * together (up to `maxRows`, as `take` picks them from the waiting ones, which it removes), so
 * under load a batch's fixed cost is paid once for many calls and an idle lane runs each call at
 * once, alone. `run` answers its calls itself and never rejects.
 */
export function batchLane<Call>(
  limits: BatchLaneLimits,
  run: (batch: Call[]) => Promise<void>,
  take: (waiting: Call[]) => Call[] = (waiting) => waiting.splice(0, limits.maxRows),
) {
  const waiting: Call[] = [];
  let inFlight = 0;
  const drain = (): void => {
    while (inFlight < limits.maxInFlight && waiting.length > 0) {
      const batch = take(waiting);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        drain();
      });
    }
  };
  return {
    /** Calls not yet in a batch. */
    waiting: () => waiting.length,
    add(call: Call): void {
      waiting.push(call);
      drain();
    },
  };
}
