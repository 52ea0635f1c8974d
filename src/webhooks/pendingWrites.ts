/**
 * Writes a worker has handed off and not waited for, so that shutdown can wait for them before the
 * database closes. A write that fails is reported to `onError`; what it would have recorded is then
 * recorded again by the path that covers a crash at the same point.
 */
export class PendingWrites {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly onError: (err: unknown) => void) {}

  track(write: Promise<void>): void {
    const tracked = write.catch(this.onError).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** Resolves once every write handed off so far has finished, failed ones included. */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }
}
