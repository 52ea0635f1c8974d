/**
 * The work's answer, or a rejection once `ms` have passed: for a caller that must not wait on a
 * dependency that hangs (a readiness probe, a transaction holding rows while Redis takes its jobs).
 * The work itself goes on; only the wait for it ends.
 */
export function within<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
