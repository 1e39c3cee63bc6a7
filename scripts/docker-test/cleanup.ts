/** Undo steps, run last-registered first, once, whether the test passed, failed or was interrupted. */
export class Cleanup {
  readonly #steps: { readonly what: string; readonly undo: () => Promise<void> }[] = [];
  #ran = false;

  add(what: string, undo: () => Promise<void>): void {
    this.#steps.push({ what, undo });
  }

  async run(): Promise<void> {
    if (this.#ran) return;
    this.#ran = true;
    for (const step of this.#steps.reverse()) {
      try {
        await step.undo();
      } catch (err) {
        process.stderr.write(`cleanup: ${step.what} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}
