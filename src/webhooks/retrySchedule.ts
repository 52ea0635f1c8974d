/**
 * When the next attempt of a delivery is due after `attemptsMade` failed attempts, or undefined
 * when the schedule is spent and the delivery has failed. Each delay gets up to +20 % of jitter, so
 * the retries of a burst that failed together do not arrive together.
 */
export function nextAttemptDelayMs(
  retryDelaysMs: readonly number[],
  attemptsMade: number,
  random: () => number = Math.random,
): number | undefined {
  const delay = retryDelaysMs[attemptsMade - 1];
  if (delay === undefined) return undefined;
  return Math.round(delay * (1 + 0.2 * random()));
}
