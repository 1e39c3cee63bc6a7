import type { AccountFeed, AccountService, AccountStatus, BackendLifecycle } from "./types.ts";
import type { Logger } from "../core/logger.ts";

export interface ReadinessOptions {
  readonly backend: BackendLifecycle & Pick<AccountService, "readAccount"> & Pick<AccountFeed, "onAccountChanged">;
  readonly pinnedVersion: string;
  readonly intervalMs: number;
  readonly logger: Logger;
}

export interface RequestProblem {
  readonly code: "codex_version_mismatch" | "codex_login_required";
  readonly message: string;
}

/** Until the first account read succeeds, look again this often. */
const EARLY_RETRY_MS = 1000;

/**
 * Whether the adapter can answer: the pinned binary, a ready child, and a usable login
 * according to Codex itself. The login is re-read periodically and after auth errors.
 */
export class Readiness {
  readonly #o: ReadinessOptions;
  #versionProblem: string | undefined = "the Codex version has not been checked yet";
  #account: AccountStatus | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastProblem: string | undefined;
  #stopped = false;
  #refreshing: Promise<void> | undefined;
  #unsubscribe: () => void;

  constructor(options: ReadinessOptions) {
    this.#o = options;
    // A sign-in or sign-out through the backend shows on /healthz at once, not at the next periodic check.
    this.#unsubscribe = options.backend.onAccountChanged(() => void this.#afterAccountChange());
  }

  async start(): Promise<void> {
    await this.#checkVersion();
    await this.refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#unsubscribe();
  }

  /** Why the adapter is not ready, in operator words; undefined when ready. */
  problem(): string | undefined {
    const backend = this.#o.backend.health();
    const problem =
      this.#versionProblem ??
      (backend.state !== "ready" ? (backend.problem ?? `Codex is ${backend.state}`) : undefined) ??
      (this.#account ? this.#account.problem : "the Codex login has not been checked yet");
    if (problem !== this.#lastProblem) {
      this.#lastProblem = problem;
      if (problem) this.#o.logger.warn("not ready", { problem });
      else this.#o.logger.info("ready");
    }
    return problem;
  }

  /**
   * Why a chat request must be refused now: the wrong Codex version, or a login that Codex
   * says is unusable (read afresh in that case: a sign-in may just have happened).
   * An unknown state lets the request through; Codex itself then has the last word.
   */
  async requestProblem(): Promise<RequestProblem | undefined> {
    if (this.#versionProblem) return { code: "codex_version_mismatch", message: this.#versionProblem };
    if (!this.#account || this.#account.usable) return undefined;
    await this.refresh();
    const { usable, problem } = this.#account;
    return usable ? undefined : { code: "codex_login_required", message: problem ?? "Codex is not signed in" };
  }

  /** Re-reads the account now (and after auth errors); reschedules the periodic check. Concurrent calls share one read. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#readAccount().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** A read already under way may predate the change: read again once it is done. */
  async #afterAccountChange(): Promise<void> {
    if (this.#stopped) return;
    await this.#refreshing;
    await this.refresh();
  }

  async #readAccount(): Promise<void> {
    clearTimeout(this.#timer);
    if (this.#o.backend.health().state === "ready") {
      try {
        this.#account = await this.#o.backend.readAccount();
      } catch {
        // A failed check (child restarting, no answer) says nothing about the login: keep what we knew.
      }
    }
    if (this.#stopped) return;
    const next = this.#account ? this.#o.intervalMs : EARLY_RETRY_MS;
    this.#timer = setTimeout(() => void this.refresh(), next);
    this.#timer.unref();
  }

  async #checkVersion(): Promise<void> {
    try {
      const running = await this.#o.backend.binaryVersion();
      this.#versionProblem =
        running === this.#o.pinnedVersion
          ? undefined
          : `the Codex CLI is version ${running} but this adapter pins ${this.#o.pinnedVersion}`;
    } catch (err) {
      this.#versionProblem = `the Codex CLI could not be run (${err instanceof Error ? err.message : "unknown error"})`;
    }
    if (this.#versionProblem) this.#o.logger.error("codex version check failed", { problem: this.#versionProblem });
  }
}
