/**
 * Cleanup steps run in the reverse order they were registered, like a stack of `finally` blocks.
 * Every step runs even when an earlier one fails; failures are returned, not thrown, so they never
 * hide the error that made the run stop.
 */
export class Teardown {
  readonly #steps: Array<{ label: string; step: () => Promise<unknown> }> = [];

  defer(label: string, step: () => Promise<unknown>): void {
    this.#steps.push({ label, step });
  }

  async run(): Promise<string[]> {
    const failures: string[] = [];
    for (const { label, step } of this.#steps.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        failures.push(`cleanup "${label}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return failures;
  }
}
