import type { AccountDetails, AccountService } from "../backend/types.ts";

/** Account details change rarely and cost a call to the ChatGPT backend: read at most this often. */
const TTL_MS = 30_000;

/** The account as the dashboard and /v1/usage show it: cached, single-flight, dropped when the account changes. */
export class AccountCache {
  readonly #backend: AccountService;
  #cached: { at: number; details: AccountDetails } | undefined;
  #loading: Promise<AccountDetails | null> | undefined;

  constructor(backend: AccountService) {
    this.#backend = backend;
    backend.onAccountChanged(() => (this.#cached = undefined));
  }

  /** The details, or null when they cannot be read right now (child restarting, exec backend). */
  get(): Promise<AccountDetails | null> {
    if (this.#cached && Date.now() - this.#cached.at < TTL_MS) return Promise.resolve(this.#cached.details);
    this.#loading ??= this.#backend
      .accountDetails()
      .then((details) => {
        this.#cached = { at: Date.now(), details };
        return details;
      })
      .catch(() => null)
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }
}
