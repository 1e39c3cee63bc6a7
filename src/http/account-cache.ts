import type { AccountDetails, AccountFeed, AccountService } from "../backend/types.ts";
import { CachedRead } from "../core/cached-read.ts";
import type { Clock } from "../core/clock.ts";

/** Account details change rarely and cost a call to the ChatGPT backend: read at most this often. */
const TTL_MS = 30_000;

/** The account as the dashboard and /v1/usage show it: cached, single-flight, dropped when the account changes. */
export class AccountCache {
  readonly #details: CachedRead<AccountDetails>;

  constructor(backend: AccountService & Pick<AccountFeed, "onAccountChanged">, clock: Clock) {
    this.#details = new CachedRead(() => backend.accountDetails(), TTL_MS, clock);
    backend.onAccountChanged(() => this.#details.forget());
  }

  /** The details, or null when they cannot be read right now (child restarting, exec backend). */
  get(): Promise<AccountDetails | null> {
    return this.#details.get().catch(() => null);
  }
}
