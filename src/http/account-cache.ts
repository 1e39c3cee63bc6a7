import type { AccountDetails, AccountFeed, AccountService } from "../backend/types.ts";
import type { Clock } from "../core/clock.ts";

/** Account details change rarely and cost a call to the ChatGPT backend: read at most this often. */
const TTL_MS = 30_000;

/** The account as the dashboard and /v1/usage show it: cached, single-flight, dropped when the account changes. */
export class AccountCache {
  readonly #backend: AccountService;
  readonly #clock: Clock;
  #cached: { at: number; details: AccountDetails } | undefined;
  #loading: Promise<AccountDetails | null> | undefined;

  constructor(backend: AccountService & Pick<AccountFeed, "onAccountChanged">, clock: Clock) {
    this.#backend = backend;
    this.#clock = clock;
    backend.onAccountChanged(() => (this.#cached = undefined));
  }

  /** The details, or null when they cannot be read right now (child restarting, exec backend). */
  get(): Promise<AccountDetails | null> {
    if (this.#cached && this.#clock.nowMs() - this.#cached.at < TTL_MS) return Promise.resolve(this.#cached.details);
    this.#loading ??= this.#backend
      .accountDetails()
      .then((details) => {
        this.#cached = { at: this.#clock.nowMs(), details };
        return details;
      })
      .catch(() => null)
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }
}
