/** The test's output: one line per check, PASS or FAIL with a short reason; failures are counted. */
export class Report {
  #failed = 0;
  #passed = 0;

  pass(check: string, detail: string): void {
    this.#passed += 1;
    process.stdout.write(`PASS ${check}: ${detail}\n`);
  }

  fail(check: string, reason: string): void {
    this.#failed += 1;
    process.stdout.write(`FAIL ${check}: ${reason}\n`);
  }

  /** A check: passes with the detail `run` returns, fails with the message of what it throws. */
  async check(check: string, run: () => Promise<string>): Promise<boolean> {
    try {
      this.pass(check, await run());
      return true;
    } catch (err) {
      this.fail(check, err instanceof Error ? err.message : String(err));
      return false;
    }
  }

  info(line: string): void {
    process.stdout.write(`     ${line}\n`);
  }

  get failed(): number {
    return this.#failed;
  }

  get passed(): number {
    return this.#passed;
  }
}
