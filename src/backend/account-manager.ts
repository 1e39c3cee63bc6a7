import type { Logger } from "../core/logger.ts";
import { accountReadResult, authStatusResult, type AccountUpdated } from "./app-server-protocol.ts";
import { dispatchAccountNotification, type AccountNotification, type AccountNotificationHandlers } from "./codex-messages.ts";
import { describeView, viewFromAccountRead, viewFromAuthStatus, type CodexAccountView } from "./account-status.ts";
import { authFileFingerprint } from "./auth-file.ts";
import { RpcError, RpcTimeoutError, type JsonRpcClient } from "./jsonrpc-client.ts";
import { LoginOperations } from "./login-operations.ts";
import type { RateLimitTracker } from "./rate-limits.ts";
import { parseResult, rpc } from "./rpc-call.ts";
import type { AccountDetails, AccountStatus, LoginState } from "./types.ts";

export interface AccountManagerOptions {
  /** The dedicated CODEX_HOME; undefined turns the auth.json checks off. */
  readonly codexHome: string | undefined;
  readonly logger: Logger;
  readonly now: () => number;
  /** The connected app-server client, waiting for a (re)starting child. */
  readonly client: () => Promise<JsonRpcClient>;
  /** Wraps a call Codex answers locally: no answer means a hung child, which is replaced. */
  readonly local: <T>(pending: Promise<T>) => Promise<T>;
  readonly rpcTimeoutMs: number;
  /** Replaces the child, so that it loads the login from disk again. */
  readonly recycle: (reason: string) => void;
  /** The usage limits Codex pushed during turns; read afresh for the account details. */
  readonly rateLimits: RateLimitTracker;
  /** The sign-in command the login problems name (Config.commands.login). */
  readonly loginCommand: string;
}

/** account/read asks the ChatGPT backend about workspaces and fails (or hangs) offline. */
const ACCOUNT_READ_TIMEOUT_MS = 10_000;
/** How long an account read waits for the child replaced to load a new login. */
const RELOAD_WAIT_MS = 15_000;

/**
 * The login side of the app-server backend: device-code sign-in and sign-out through Codex,
 * account details, and the facts Codex's cached login cannot show. Codex reads auth.json only
 * when it starts, so a login removed from disk, or refused upstream after Codex's own refresh,
 * is tracked here; a login written by another process (`npm run login`) makes it replace the
 * child so that the new login is loaded.
 */
export class AccountManager {
  readonly #o: AccountManagerOptions;
  readonly #listeners = new Set<() => void>();
  /** Sign-in and sign-out through Codex (see login-operations.ts). */
  readonly #logins: LoginOperations;
  #view: CodexAccountView | undefined;
  #lastStatus: AccountStatus | undefined;
  /** The auth.json the running child is taken to have loaded (fingerprint; null: none; undefined: not known yet). */
  #loaded: string | null | undefined;
  /** Set when the upstream refused the login after Codex's refresh; holds auth.json's fingerprint at that time. */
  #rejected: { readonly file: string | null } | undefined;
  #planType: string | null = null;
  /** Codex held a ChatGPT login earlier in this run (cleared by a sign-out through the adapter). */
  #hadChatgpt = false;
  #reading: Promise<AccountStatus> | undefined;
  /** Resolved by the next child's handshake, after the current one was replaced to load a new login. */
  #reloaded: { readonly promise: Promise<void>; readonly resolve: () => void } | undefined;

  constructor(options: AccountManagerOptions) {
    this.#o = options;
    this.#logins = new LoginOperations({ ...options, onSignedIn: () => this.#signedIn(), onSignedOut: () => this.#signedOut() });
  }

  onAccountChanged(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A new child completed its handshake: it loaded whatever auth.json holds now. */
  childReady(): void {
    this.#loaded = this.#fingerprint();
    this.#reloaded?.resolve();
    this.#reloaded = undefined;
  }

  /** The child went away: a sign-in it was polling for is lost with it. */
  childExited(): void {
    this.#logins.childExited();
  }

  /** A turn failed as unauthorized after Codex's own refresh attempts: the ChatGPT login is refused until a new one appears. */
  turnUnauthorized(): void {
    if (this.#view?.authMode !== "chatgpt" || !this.#view.requiresOpenaiAuth || this.#rejected) return;
    this.#rejected = { file: this.#fingerprint() ?? null };
    this.#o.logger.warn("codex login rejected upstream", { problem: "sign in again" });
  }

  /** One of Codex's account notifications, parsed (codex-messages.ts). */
  onNotification(notification: AccountNotification): void {
    dispatchAccountNotification(this.#notificationHandlers, notification);
  }

  readonly #notificationHandlers: AccountNotificationHandlers = {
    "account/login/completed": (done) => this.#logins.loginCompleted(done),
    "account/updated": (update) => this.#accountUpdated(update),
    "account/rateLimits/updated": (update) => this.#o.rateLimits.onPushed(update),
  };

  /** Codex changed its own login (sign-in, sign-out, refresh): what it holds is what is on disk now. */
  #accountUpdated(update: AccountUpdated): void {
    this.#planType = update.planType;
    this.#loaded = this.#fingerprint();
    if (update.authMode !== null) this.#rejected = undefined;
    this.#emit();
  }

  loginState(): LoginState {
    return this.#logins.loginState();
  }

  startLogin(): Promise<LoginState> {
    return this.#logins.startLogin();
  }

  cancelLogin(): Promise<void> {
    return this.#logins.cancelLogin();
  }

  logout(): Promise<void> {
    return this.#logins.logout();
  }

  /** The login as the adapter judges it; single-flight. */
  readAccount(): Promise<AccountStatus> {
    this.#reading ??= this.#readAccount().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async accountDetails(): Promise<AccountDetails> {
    const status = await this.readAccount();
    const view = this.#view;
    const authMode = view?.authMode ?? null;
    const signedIn = status.usable && authMode === "chatgpt";
    const planType = authMode === "chatgpt" ? (view?.planType ?? this.#planType ?? this.#o.rateLimits.snapshot?.planType ?? null) : null;
    const limits = signedIn ? await this.#o.rateLimits.read(this.#o.client) : undefined;
    return {
      signedIn,
      authMode,
      planType,
      rateLimits: limits ? { primary: limits.primary, secondary: limits.secondary } : null,
      credits: limits?.credits ?? null,
    };
  }

  async #readAccount(): Promise<AccountStatus> {
    let file = this.#fingerprint();
    if (this.#rejected && file !== undefined && file !== this.#rejected.file) {
      this.#rejected = undefined; // a new login file: judge it afresh
      this.#o.logger.info("codex login file changed after a rejection");
    }
    if (file !== undefined && file !== null && this.#loaded !== undefined && file !== this.#loaded) {
      // Written by someone else while Codex had no usable login (e.g. `npm run login`): Codex only reads it at start.
      // While the login is usable, a change is Codex's own token refresh.
      if (this.#lastStatus?.usable !== true) this.#reload();
      this.#loaded = file;
    }
    const view = await this.#readView();
    file = this.#fingerprint();
    this.#view = view;
    if (view.authMode === "chatgpt") this.#hadChatgpt = true;
    const status = describeView(view, this.#o.loginCommand, {
      fileRemoved: file === null,
      rejected: this.#rejected !== undefined,
      ended: this.#hadChatgpt && view.authMode === null,
    });
    this.#lastStatus = status;
    return status;
  }

  #reload(): void {
    let resolve = () => undefined as void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#reloaded = { promise, resolve };
    this.#o.recycle("the Codex login changed on disk");
  }

  async #readView(): Promise<CodexAccountView> {
    if (this.#reloaded) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.#reloaded.promise, new Promise((r) => (timer = setTimeout(r, RELOAD_WAIT_MS)))]);
      clearTimeout(timer);
    }
    const client = await this.#o.client();
    // Never `refreshToken: true`: a refresh on every check would rotate the refresh token each time, and one
    // that succeeds while the upstream still refuses the login would only make /healthz flap.
    const account = await rpc(
      client.request("account/read", {}, ACCOUNT_READ_TIMEOUT_MS).catch((err: unknown) => {
        // Offline, account/read fails (or hangs) asking the ChatGPT backend about workspaces; the local auth state still answers.
        if (err instanceof RpcError || err instanceof RpcTimeoutError) return undefined;
        throw err;
      }),
    );
    if (account !== undefined) return viewFromAccountRead(parseResult(accountReadResult, account));
    return this.#o.local(
      client
        .request("getAuthStatus", { includeToken: false, refreshToken: false }, this.#o.rpcTimeoutMs)
        .then((result) => viewFromAuthStatus(parseResult(authStatusResult, result))),
    );
  }

  #signedIn(): void {
    this.#rejected = undefined;
    this.#loaded = this.#fingerprint(); // written by the child itself
    this.#o.logger.info("sign-in completed");
    this.#emit();
  }

  #signedOut(): void {
    this.#rejected = undefined;
    this.#hadChatgpt = false;
    this.#loaded = this.#fingerprint();
    this.#o.logger.info("signed out");
    this.#emit();
  }

  #fingerprint(): string | null | undefined {
    return this.#o.codexHome === undefined ? undefined : authFileFingerprint(this.#o.codexHome);
  }

  #emit(): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener();
      } catch (err) {
        this.#o.logger.error("account listener failed", { problem: err instanceof Error ? err.message : "unknown" });
      }
    }
  }
}
