import { isLoopbackHost } from "../core/loopback.ts";
import type { AccountManagerOptions } from "./account-manager.ts";
import { cancelLoginResult, deviceCodeLoginStartResult, logoutResult, type LoginCompleted } from "./app-server-protocol.ts";
import { BackendError } from "./backend-error.ts";
import { parseResult, rpc } from "./rpc-call.ts";
import type { LoginState } from "./types.ts";

export type LoginOperationsOptions = Pick<AccountManagerOptions, "logger" | "now" | "client" | "local" | "rpcTimeoutMs"> & {
  /** Codex completed a sign-in and wrote the new login itself. */
  readonly onSignedIn: () => void;
  /** Codex signed out and removed its login. */
  readonly onSignedOut: () => void;
};

/** account/login/start fetches the device code from the issuer before answering. */
const LOGIN_START_TIMEOUT_MS = 30_000;
/** Codex gives up on a device code after 15 minutes; a pending state older than this is stale. */
const LOGIN_PENDING_MAX_MS = 16 * 60_000;
const MAX_ERROR_CHARS = 300;

type Pending = Extract<LoginState, { status: "pending" }>;

/** Device-code sign-in and sign-out through Codex, and the sign-in's state as the dashboard shows it. */
/**
 * Codex refuses account/login/start when its device-code request to ChatGPT's sign-in service
 * fails, which on a first run is nearly always the network: say so, not "the upstream failed".
 */
function signInStartFailure(err: unknown): unknown {
  if (!(err instanceof BackendError) || err.kind !== "upstream") return err;
  return new BackendError(
    "sign_in_unreachable",
    `The sign-in could not start: Codex got no device code from ChatGPT's sign-in service (${err.message}). Check that this machine reaches https://auth.openai.com (directly or through HTTPS_PROXY), then try again.`,
  );
}

export class LoginOperations {
  readonly #o: LoginOperationsOptions;
  #login: LoginState = { status: "idle" };
  /** Login operations run one at a time (a second click replaces, never races, the first). */
  #loginQueue: Promise<unknown> = Promise.resolve();

  constructor(options: LoginOperationsOptions) {
    this.#o = options;
  }

  /** The child went away: a sign-in it was polling for is lost with it. */
  childExited(): void {
    if (this.#login.status !== "pending") return;
    this.#login = { status: "failed", error: "Codex restarted during the sign-in; start it again", at: this.#o.now() };
  }

  loginState(): LoginState {
    const login = this.#login;
    if (login.status === "pending" && this.#o.now() - login.startedAt > LOGIN_PENDING_MAX_MS) {
      this.#login = { status: "failed", error: "the sign-in code expired; start again", at: this.#o.now() };
    }
    return this.#login;
  }

  startLogin(): Promise<LoginState> {
    return this.#serially(async () => {
      await this.#cancelPending();
      const client = await this.#o.client();
      try {
        const started = await rpc(
          client
            .request("account/login/start", { type: "chatgptDeviceCode" }, LOGIN_START_TIMEOUT_MS)
            .then((r) => parseResult(deviceCodeLoginStartResult, r)),
        ).catch((err: unknown) => {
          throw signInStartFailure(err);
        });
        if (!isShowableUrl(started.verificationUrl)) {
          void client.request("account/login/cancel", { loginId: started.loginId }, this.#o.rpcTimeoutMs).catch(() => undefined);
          throw new BackendError("upstream", "Codex offered a sign-in address that is neither https nor local");
        }
        this.#login = {
          status: "pending",
          loginId: started.loginId,
          verificationUrl: started.verificationUrl,
          userCode: started.userCode,
          startedAt: this.#o.now(),
        };
        this.#o.logger.info("sign-in started", { method: "device code" });
        return this.#login;
      } catch (err) {
        const message = err instanceof Error ? err.message : "the sign-in could not start";
        this.#login = { status: "failed", error: clip(message), at: this.#o.now() };
        throw err;
      }
    });
  }

  cancelLogin(): Promise<void> {
    return this.#serially(() => this.#cancelPending());
  }

  logout(): Promise<void> {
    return this.#serially(async () => {
      await this.#cancelPending();
      const client = await this.#o.client();
      await this.#o.local(client.request("account/logout", undefined, this.#o.rpcTimeoutMs).then((r) => parseResult(logoutResult, r)));
      this.#login = { status: "idle" };
      this.#o.onSignedOut();
    });
  }

  /** Codex's `account/login/completed`: only the pending sign-in's own completion counts. */
  loginCompleted(done: LoginCompleted): void {
    const login = this.#login;
    if (login.status !== "pending" || (done.loginId !== null && done.loginId !== login.loginId)) return;
    if (done.success) {
      this.#login = { status: "succeeded", at: this.#o.now() };
      this.#o.onSignedIn();
    } else {
      // Codex's reason is shown on the dashboard but not logged: it may quote an issuer's answer.
      this.#login = { status: "failed", error: clip(done.error ?? "the sign-in failed"), at: this.#o.now() };
      this.#o.logger.warn("sign-in failed");
    }
  }

  async #cancelPending(): Promise<void> {
    const login = this.#login;
    if (login.status !== "pending") return;
    this.#login = { status: "idle" };
    await this.#cancelInCodex(login);
  }

  async #cancelInCodex(login: Pending): Promise<void> {
    try {
      const client = await this.#o.client();
      await this.#o.local(
        client.request("account/login/cancel", { loginId: login.loginId }, this.#o.rpcTimeoutMs).then((r) => parseResult(cancelLoginResult, r)),
      );
    } catch {
      // A child that restarted has forgotten the sign-in anyway.
    }
  }

  #serially<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.#loginQueue.then(operation, operation);
    this.#loginQueue = run.catch(() => undefined);
    return run;
  }
}

/** The dashboard shows this address as a link: https, or a loopback issuer (tests, local development). */
function isShowableUrl(value: string): boolean {
  try {
    const url = new URL(value);
    if (url.username || url.password) return false;
    return url.protocol === "https:" || (url.protocol === "http:" && isLoopbackHost(url.hostname));
  } catch {
    return false;
  }
}

function clip(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS)}…` : text;
}
