import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/logger.ts";
import { unlessAborted } from "../core/unless-aborted.ts";
import { AccountManager } from "./account-manager.ts";
import type { StartedThread } from "./active-turn.ts";
import { ActiveTurns } from "./active-turns.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import { threadLoadedList, threadStartResult } from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { parseCodexNotification, parseCodexRequest, type CodexRequest } from "./codex-messages.ts";
import { Continuity } from "./continuity.ts";
import { RpcTimeoutError, type JsonRpcClient, type WireObserver } from "./jsonrpc-client.ts";
import { fetchModelList } from "./model-list.ts";
import { RateLimitTracker } from "./rate-limits.ts";
import { parseResult, rpc, toBackendError } from "./rpc-call.ts";
import { ThreadPool } from "./thread-pool.ts";
import { threadStartParams, type ThreadTools } from "./thread-start.ts";
import type {
  AccountDetails,
  AccountStatus,
  Backend,
  BackendHealth,
  BackendFeatures,
  BackendRuntime,
  ChatEvent,
  ChatTurnRequest,
  LoginState,
  ModelInfo,
  UsageLimits,
} from "./types.ts";

export interface AppServerBackendOptions {
  readonly bin: string;
  /** Codex's command line after `app-server`: the hardening and routing of `hardeningArgs()`. */
  readonly codexArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  readonly logger: Logger;
  readonly clientVersion: string;
  /** How long a request waits for a (re)starting child before 503. */
  readonly readyWaitMs?: number;
  /** Ephemeral threads kept started ahead of requests (0 turns the pool off). */
  readonly spareThreads?: number;
  /** Conversation continuity: idle threads kept for their conversation's next turn (either 0 turns it off). */
  readonly warmThreads?: { readonly max: number; readonly idleMs: number };
  /** Every time reading of the backend (usage-limit resets, child lifetimes, request deadlines). */
  readonly clock: Clock;
  /** How long a call Codex answers locally may stay unanswered before that call fails and Codex's liveness is checked (default 30 s). */
  readonly rpcTimeoutMs?: number;
  /** Sees every JSON-RPC message to and from Codex (the contract tests validate them). */
  readonly onWire?: WireObserver;
  /** The sign-in command the login problems name (Config.commands.login). */
  readonly loginCommand: string;
  /** Runs before each start of the child (the derived model catalog, model-catalog-file.ts). */
  readonly beforeSpawn?: () => Promise<void>;
  /** Added to the message of a request the model service refused (names the operator's way out). */
  readonly refusalHint?: string;
  /** The web search mode a request that asks for search gets (WEB_SEARCH); unset: none. */
  readonly webSearch?: "cached" | "live";
}

const DEFAULT_RPC_TIMEOUT_MS = 30_000;
/** How long the liveness check waits for `thread/loaded/list`, answered in a few milliseconds by a live child (at most the RPC timeout). */
const LIVENESS_TIMEOUT_MS = 5_000;

/** Answers chats through one supervised `codex app-server`, one ephemeral thread per request. */
export class AppServerBackend implements Backend {
  readonly name = "app-server" as const;
  readonly features: BackendFeatures;
  readonly #o: AppServerBackendOptions;
  readonly #supervisor: AppServerSupervisor;
  readonly #rpcTimeoutMs: number;
  readonly #threads: ThreadPool<StartedThread>;
  /** The turns in progress, by thread (see active-turns.ts). */
  readonly #turns: ActiveTurns;
  readonly #rateLimits = new RateLimitTracker();
  /** Warm threads that continue their conversation (see continuity.ts). */
  readonly #continuity: Continuity<StartedThread>;
  #configuredModel: string | undefined;
  /** Sign-in, sign-out and the login as the adapter judges it (see account-manager.ts). */
  readonly #account: AccountManager;
  /** A liveness check is under way after a call went unanswered (one at a time). */
  #checkingLiveness = false;

  constructor(options: AppServerBackendOptions) {
    this.#o = options;
    this.features = { tools: true, outputSchema: true, images: true, webSearch: options.webSearch !== undefined };
    this.#rpcTimeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.#supervisor = new AppServerSupervisor({
      bin: options.bin,
      args: options.codexArgs,
      env: options.env,
      cwd: options.workDir,
      logger: options.logger,
      clientVersion: options.clientVersion,
      now: () => this.#now(),
      ...(options.beforeSpawn ? { beforeSpawn: options.beforeSpawn } : {}),
      handlers: {
        onNotification: (method, params) => this.#onNotification(method, params),
        onRequest: (method, params) => this.#onRequest(parseCodexRequest(method, params)),
        ...(options.onWire ? { onWire: options.onWire } : {}),
      },
      onChildExit: () => {
        this.#account.childExited();
        this.#threads.clear();
        this.#continuity.childExited();
        this.#turns.failAll();
      },
      onReady: () => {
        this.#account.childReady();
        this.#threads.fill();
      },
    });
    this.#account = new AccountManager({
      codexHome: options.env.CODEX_HOME,
      logger: options.logger,
      now: () => this.#now(),
      client: () => this.#client(),
      local: (pending) => this.#local(pending),
      rpcTimeoutMs: this.#rpcTimeoutMs,
      recycle: (reason) => this.#supervisor.recycle(reason),
      loginCommand: options.loginCommand,
      rateLimits: this.#rateLimits,
    });
    this.#turns = new ActiveTurns({
      logger: options.logger,
      now: () => this.#now(),
      local: (pending) => this.#local(pending),
      rpcTimeoutMs: this.#rpcTimeoutMs,
      rateLimits: () => this.#rateLimits.snapshot,
      onUnauthorized: () => this.#account.turnUnauthorized(),
      refusalHint: options.refusalHint,
    });
    this.#continuity = new Continuity({
      maxWarmThreads: options.warmThreads?.max ?? 0,
      idleMs: options.warmThreads?.idleMs ?? 0,
      letGo: (thread) => this.#unsubscribe(thread),
    });
    this.#account.onAccountChanged(() => this.#continuity.loginChanged());
    this.#threads = new ThreadPool({
      size: options.spareThreads ?? 2,
      isReady: () => this.#supervisor.connected,
      // Spares start only on a connected child: one queued during a restart would leak into the next child.
      startThread: async () => this.#startThread(await this.#supervisor.ready(0)),
    });
  }

  start(): Promise<void> {
    this.#supervisor.start();
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return this.#supervisor.stop();
  }

  health(): BackendHealth {
    return { state: this.#supervisor.state, problem: this.#supervisor.problem };
  }

  runtime(): BackendRuntime {
    return { pid: this.#supervisor.pid, restarts: this.#supervisor.restarts, activeTurns: this.#turns.size, warmThreads: this.#continuity.stats() };
  }

  binaryVersion(): Promise<string> {
    return readBinaryVersion(this.#o.bin, this.#o.env);
  }

  configuredModel(): string | undefined {
    return this.#configuredModel;
  }

  /** Codex's view of its login, corrected for a removed auth.json or a login the upstream refused. */
  readAccount(): Promise<AccountStatus> {
    return this.#account.readAccount();
  }

  accountDetails(): Promise<AccountDetails> {
    return this.#account.accountDetails();
  }

  usageLimits(): UsageLimits | undefined {
    return this.#rateLimits.limits();
  }

  startLogin(): Promise<LoginState> {
    return this.#account.startLogin();
  }

  cancelLogin(): Promise<void> {
    return this.#account.cancelLogin();
  }

  loginState(): LoginState {
    return this.#account.loginState();
  }

  logout(): Promise<void> {
    return this.#account.logout();
  }

  onAccountChanged(listener: () => void): () => void {
    return this.#account.onAccountChanged(listener);
  }

  /** The threads Codex holds in memory right now (`thread/loaded/list`): warm, spare and running ones; for tests and the bench. */
  async loadedThreadIds(): Promise<readonly string[]> {
    const client = await this.#client();
    return parseResult(threadLoadedList, await this.#local(client.request("thread/loaded/list", {}, this.#rpcTimeoutMs))).data;
  }

  async listModels(): Promise<readonly ModelInfo[]> {
    return fetchModelList(await this.#client(), this.#rpcTimeoutMs);
  }

  async *chat(request: ChatTurnRequest): AsyncGenerator<ChatEvent> {
    const { signal } = request;
    const ready = await this.#client(signal); // wait for a (re)starting child, up to readyWaitMs
    const plan = this.#continuity.plan(request);
    this.#o.logger.debug("thread chosen", { continuity: plan.outcome });
    if (plan.warm) {
      yield* this.#turns.run(plan.warm, plan.request, plan.keeper);
      return;
    }
    // Client tools and web search are fixed at thread/start, so such a turn gets a thread of its own, not a spare.
    const mode = this.#o.webSearch;
    const webSearch = request.webSearch && mode ? { mode, request: request.webSearch } : undefined;
    const own = request.tools.length > 0 || webSearch !== undefined;
    const thread = own ? this.#startThread(ready, { tools: request.tools, webSearch }) : rpc(this.#threads.take());
    // A thread that arrives after the request gave up is let go at once.
    yield* this.#turns.run(await unlessAborted(thread, signal, (t) => this.#unsubscribe(t)), plan.request, plan.keeper);
  }

  #unsubscribe({ client, threadId }: StartedThread): void {
    void client.request("thread/unsubscribe", { threadId }, this.#rpcTimeoutMs).catch(() => undefined);
  }

  /**
   * A call Codex answers locally in milliseconds. No answer within the RPC timeout fails that
   * call (its request alone); whether the child as a whole hangs is then checked, see #checkLiveness.
   */
  async #local<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (err instanceof RpcTimeoutError) this.#checkLiveness(err.method);
      throw toBackendError(err);
    }
  }

  /**
   * Codex leaves a single call unanswered while serving the rest (a message it cannot parse is
   * dropped), so one unanswered call does not condemn the child shared by every request: it is
   * replaced only when a trivial local call (`thread/loaded/list`) goes unanswered too.
   */
  #checkLiveness(method: string): void {
    if (this.#checkingLiveness) return;
    this.#checkingLiveness = true;
    void this.#probe(method).finally(() => (this.#checkingLiveness = false));
  }

  async #probe(method: string): Promise<void> {
    let client: JsonRpcClient;
    try {
      client = await this.#supervisor.ready(0);
    } catch {
      return; // not connected: the child is gone or restarting already
    }
    try {
      await client.request("thread/loaded/list", {}, Math.min(LIVENESS_TIMEOUT_MS, this.#rpcTimeoutMs));
      this.#o.logger.warn("codex left a call unanswered and still answers others: kept", { method });
    } catch (err) {
      // Any other failure (the connection closed) means the child is going anyway.
      if (err instanceof RpcTimeoutError) this.#supervisor.recycle(`Codex stopped answering (${method}, then thread/loaded/list)`);
    }
  }

  async #client(signal?: AbortSignal): Promise<JsonRpcClient> {
    return this.#supervisor.ready(this.#o.readyWaitMs ?? 15_000, signal);
  }

  async #startThread(client: JsonRpcClient, tools: ThreadTools = { tools: [], webSearch: undefined }): Promise<StartedThread> {
    const params = threadStartParams(this.#o.workDir, tools);
    const started = await this.#local(client.request("thread/start", params, this.#rpcTimeoutMs).then((r) => parseResult(threadStartResult, r)));
    this.#configuredModel = started.model;
    return { client, threadId: started.thread.id };
  }

  /** Each Codex notification is parsed once here, then goes to its thread's turn or to its account handler. */
  #onNotification(method: string, params: unknown): void {
    const notification = parseCodexNotification(method, params);
    if (notification.scope === "turn") this.#turns.onTurnMessage(notification.threadId, notification.message);
    else if (notification.scope === "account") this.#account.onNotification(notification.notification);
  }

  /** Client tool calls are returned to the client; every other request (approvals, ...) is refused. */
  #onRequest(request: CodexRequest): Promise<unknown> {
    switch (request.kind) {
      case "toolCall":
        return this.#turns.onToolCall(request.params);
      case "malformedToolCall":
        return Promise.reject(new Error("item/tool/call for no waiting turn"));
      case "unsupported":
        return Promise.reject(new Error(`${request.method} is not supported by this adapter`));
    }
  }

  #now(): number {
    return this.#o.clock.nowMs();
  }
}
