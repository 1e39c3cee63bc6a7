import type { Logger } from "../core/logger.ts";
import { unlessAborted } from "../core/unless-aborted.ts";
import { AccountManager } from "./account-manager.ts";
import { ActiveTurns, type StartedThread } from "./active-turns.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import { threadStartResult } from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS } from "./codex-hardening.ts";
import { RpcTimeoutError, type JsonRpcClient, type WireObserver } from "./jsonrpc-client.ts";
import { fetchModelList } from "./model-list.ts";
import { RateLimitTracker } from "./rate-limits.ts";
import { parseResult, rpc, toBackendError } from "./rpc-call.ts";
import { ThreadPool } from "./thread-pool.ts";
import type {
  AccountDetails,
  AccountStatus,
  Backend,
  BackendHealth,
  BackendRuntime,
  ChatEvent,
  ChatTurnRequest,
  LoginState,
  ModelInfo,
  ToolDefinition,
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
  readonly now?: () => number;
  /** How long a call Codex answers locally may stay unanswered before the child counts as hung (default 30 s). */
  readonly rpcTimeoutMs?: number;
  /** Sees every JSON-RPC message to and from Codex (the contract tests validate them). */
  readonly onWire?: WireObserver;
  /** The sign-in command the login problems name (Config.commands.login). */
  readonly loginCommand: string;
}

const DEFAULT_RPC_TIMEOUT_MS = 30_000;

/** A client tool as a Codex dynamic tool (Codex calls it back through `item/tool/call`). */
function dynamicTool(t: ToolDefinition): object {
  return { type: "function", name: t.name, description: t.description, inputSchema: t.parameters };
}

/** Answers chats through one supervised `codex app-server`, one ephemeral thread per request. */
export class AppServerBackend implements Backend {
  readonly name = "app-server" as const;
  readonly features = { tools: true, outputSchema: true, images: true } as const;
  readonly #o: AppServerBackendOptions;
  readonly #supervisor: AppServerSupervisor;
  readonly #rpcTimeoutMs: number;
  readonly #threads: ThreadPool<StartedThread>;
  /** The turns in progress, by thread (see active-turns.ts). */
  readonly #turns: ActiveTurns;
  readonly #rateLimits = new RateLimitTracker();
  #configuredModel: string | undefined;
  /** Sign-in, sign-out and the login as the adapter judges it (see account-manager.ts). */
  readonly #account: AccountManager;

  constructor(options: AppServerBackendOptions) {
    this.#o = options;
    this.#rpcTimeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.#supervisor = new AppServerSupervisor({
      bin: options.bin,
      args: options.codexArgs,
      env: options.env,
      cwd: options.workDir,
      logger: options.logger,
      clientVersion: options.clientVersion,
      handlers: {
        onNotification: (method, params) => this.#onNotification(method, params),
        // Client tool calls are returned to the client; every other request (approvals, ...) is refused.
        onRequest: (method, params) =>
          method === "item/tool/call" ? this.#turns.onToolCall(params) : Promise.reject(new Error(`${method} is not supported by this adapter`)),
        ...(options.onWire ? { onWire: options.onWire } : {}),
      },
      onChildExit: () => {
        this.#account.childExited();
        this.#threads.clear();
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
    });
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
    return { pid: this.#supervisor.pid, restarts: this.#supervisor.restarts, activeTurns: this.#turns.size };
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

  async listModels(): Promise<readonly ModelInfo[]> {
    return fetchModelList(await this.#client(), this.#rpcTimeoutMs);
  }

  async *chat(request: ChatTurnRequest): AsyncGenerator<ChatEvent> {
    const { signal } = request;
    const ready = await this.#client(signal); // wait for a (re)starting child, up to readyWaitMs
    // A thread that arrives after the request gave up is let go at once.
    const unsubscribe = ({ client, threadId }: StartedThread) =>
      void client.request("thread/unsubscribe", { threadId }, this.#rpcTimeoutMs).catch(() => undefined);
    // Client tools are fixed at thread/start, so such a turn gets a thread of its own, not a spare.
    const thread = request.tools.length ? this.#startThread(ready, request.tools) : rpc(this.#threads.take());
    yield* this.#turns.run(await unlessAborted(thread, signal, unsubscribe), request);
  }

  /**
   * A call Codex answers locally in milliseconds; no answer within the RPC timeout means the
   * child hangs, so it is replaced.
   */
  async #local<T>(pending: Promise<T>): Promise<T> {
    try {
      return await pending;
    } catch (err) {
      if (err instanceof RpcTimeoutError) this.#supervisor.recycle("Codex stopped answering");
      throw toBackendError(err);
    }
  }

  async #client(signal?: AbortSignal): Promise<JsonRpcClient> {
    return this.#supervisor.ready(this.#o.readyWaitMs ?? 15_000, signal);
  }

  async #startThread(client: JsonRpcClient, tools: readonly ToolDefinition[] = []): Promise<StartedThread> {
    const params = {
      cwd: this.#o.workDir,
      sandbox: "read-only",
      approvalPolicy: "never",
      ephemeral: true,
      baseInstructions: tools.length ? BASE_INSTRUCTIONS_WITH_TOOLS : BASE_INSTRUCTIONS,
      ...(tools.length ? { dynamicTools: tools.map(dynamicTool), experimentalRawEvents: true } : {}),
    };
    const started = await this.#local(client.request("thread/start", params, this.#rpcTimeoutMs).then((r) => parseResult(threadStartResult, r)));
    this.#configuredModel = started.model;
    return { client, threadId: started.thread.id };
  }

  #onNotification(method: string, params: unknown): void {
    if (this.#account.onNotification(method, params)) return;
    if (method === "account/rateLimits/updated") this.#rateLimits.onPushed(params);
    else this.#turns.onNotification(method, params);
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}
