import type { z } from "zod";
import type { Logger } from "../core/logger.ts";
import { BackendError } from "./backend-error.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import {
  modelListResult,
  rateLimitsUpdated,
  threadStartResult,
  turnStartResult,
  type RateLimitSnapshot,
} from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { BASE_INSTRUCTIONS, hardeningArgs } from "./codex-hardening.ts";
import { AccountManager } from "./account-manager.ts";
import { RpcTimeoutError, type JsonRpcClient, type WireObserver } from "./jsonrpc-client.ts";
import { CRASHED_MESSAGE, parseResult, rpc, toBackendError } from "./rpc-call.ts";
import { applyTurnNotification } from "./turn-notifications.ts";
import { ThreadPool } from "./thread-pool.ts";
import { historyItems } from "./history-items.ts";
import { TurnSink } from "./turn-sink.ts";
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
} from "./types.ts";

export interface AppServerBackendOptions {
  readonly bin: string;
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
}

const DEFAULT_RPC_TIMEOUT_MS = 30_000;

interface StartedThread {
  readonly client: JsonRpcClient;
  readonly threadId: string;
}

type ModelPage = z.infer<typeof modelListResult>;

/** Answers chats through one supervised `codex app-server`, one ephemeral thread per request. */
export class AppServerBackend implements Backend {
  readonly name = "app-server" as const;
  readonly #o: AppServerBackendOptions;
  readonly #supervisor: AppServerSupervisor;
  readonly #rpcTimeoutMs: number;
  readonly #threads: ThreadPool<StartedThread>;
  /** Active turns by thread id; notifications are routed here. */
  readonly #sinks = new Map<string, TurnSink>();
  #rateLimits: RateLimitSnapshot | undefined;
  #configuredModel: string | undefined;
  /** Sign-in, sign-out and the login as the adapter judges it (see account-manager.ts). */
  readonly #account: AccountManager;

  constructor(options: AppServerBackendOptions) {
    this.#o = options;
    this.#rpcTimeoutMs = options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.#supervisor = new AppServerSupervisor({
      bin: options.bin,
      args: hardeningArgs(),
      env: options.env,
      cwd: options.workDir,
      logger: options.logger,
      clientVersion: options.clientVersion,
      handlers: {
        onNotification: (method, params) => this.#onNotification(method, params),
        onRequest: (method) => Promise.reject(new Error(`${method} is not supported by this adapter`)),
        ...(options.onWire ? { onWire: options.onWire } : {}),
      },
      onChildExit: () => this.#failAll(),
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
      lastRateLimits: () => this.#rateLimits,
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
    return { pid: this.#supervisor.pid, restarts: this.#supervisor.restarts, activeTurns: this.#sinks.size };
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
    const client = await this.#client();
    const models: ModelInfo[] = [];
    let cursor: string | null = null;
    do {
      const page: ModelPage = await rpc(client.request("model/list", { cursor }, this.#rpcTimeoutMs).then((r) => parseResult(modelListResult, r)));
      for (const m of page.data) {
        if (m.hidden) continue;
        models.push({
          id: m.id,
          displayName: m.displayName,
          isDefault: m.isDefault,
          reasoningEfforts: m.supportedReasoningEfforts.map((e) => e.reasoningEffort),
          inputModalities: m.inputModalities,
        });
      }
      cursor = page.nextCursor;
    } while (cursor);
    return models;
  }

  async *chat(request: ChatTurnRequest): AsyncGenerator<ChatEvent> {
    const { signal } = request;
    await this.#client(signal); // wait for a (re)starting child, up to readyWaitMs
    // A thread that arrives after the request gave up is let go at once.
    const unsubscribe = ({ client, threadId }: StartedThread) =>
      void client.request("thread/unsubscribe", { threadId }, this.#rpcTimeoutMs).catch(() => undefined);
    const { client, threadId } = await unlessAborted(rpc(this.#threads.take()), signal, unsubscribe);
    const sink = new TurnSink();
    this.#sinks.set(threadId, sink);
    let interruptSent = false;
    /** Stops the turn in Codex unless Codex already ended it; safe to call more than once. */
    const interrupt = () => {
      if (!sink.turnId || sink.codexEnded || interruptSent) return;
      interruptSent = true;
      // Codex answers once the turn is aborted (about a second under heavy load); silence means a hung child.
      this.#local(client.request("turn/interrupt", { threadId, turnId: sink.turnId }, this.#rpcTimeoutMs)).catch(() => undefined);
    };
    const onAbort = () => {
      interrupt();
      sink.fail(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    /** A turn/start still unanswered when the request ends; its turn is interrupted once its id is known. */
    let starting: Promise<unknown> | undefined;
    try {
      signal.throwIfAborted();
      const items = historyItems(request.instructions, request.history);
      if (items.length) {
        await unlessAborted(this.#local(client.request("thread/inject_items", { threadId, items }, this.#rpcTimeoutMs)), signal);
      }
      signal.throwIfAborted();
      const turnStart = this.#local(
        client
          .request(
            "turn/start",
            {
              threadId,
              input: [{ type: "text", text: request.input, text_elements: [] }],
              ...(request.model ? { model: request.model } : {}),
              ...(request.reasoningEffort ? { effort: request.reasoningEffort } : {}),
            },
            this.#rpcTimeoutMs,
          )
          .then((r) => parseResult(turnStartResult, r)),
      ).then((started) => (sink.turnId = started.turn.id));
      starting = turnStart.catch(() => undefined);
      // A hung Codex must not hold the request past its timeout: the abort ends the wait.
      await unlessAborted(turnStart, signal);
      starting = undefined;
      try {
        yield* sink.events;
      } catch (err) {
        // Codex already tried to refresh the login before failing the turn as unauthorized.
        if (err instanceof BackendError && err.kind === "unauthenticated") this.#account.turnUnauthorized();
        throw err;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#sinks.delete(threadId);
      // Whenever the request ends before Codex ended the turn (abort, early 429, protocol error).
      const cleanUp = () => {
        interrupt();
        unsubscribe({ client, threadId });
      };
      if (starting) void starting.then(cleanUp);
      else cleanUp();
    }
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

  async #startThread(client: JsonRpcClient): Promise<StartedThread> {
    const params = { cwd: this.#o.workDir, sandbox: "read-only", approvalPolicy: "never", ephemeral: true, baseInstructions: BASE_INSTRUCTIONS };
    const started = await this.#local(client.request("thread/start", params, this.#rpcTimeoutMs).then((r) => parseResult(threadStartResult, r)));
    this.#configuredModel = started.model;
    return { client, threadId: started.thread.id };
  }

  #failAll(): void {
    this.#account.childExited();
    this.#threads.clear();
    const crashed = new BackendError("crashed", CRASHED_MESSAGE);
    for (const sink of this.#sinks.values()) sink.fail(crashed);
    this.#sinks.clear();
  }

  #onNotification(method: string, params: unknown): void {
    if (this.#account.onNotification(method, params)) return;
    if (method === "account/rateLimits/updated") {
      const parsed = rateLimitsUpdated.safeParse(params);
      // Updates are sparse: a missing window does not clear the last one seen.
      if (parsed.success) {
        const { primary, secondary, planType } = parsed.data.rateLimits;
        this.#rateLimits = {
          primary: primary ?? this.#rateLimits?.primary ?? null,
          secondary: secondary ?? this.#rateLimits?.secondary ?? null,
          planType: planType ?? this.#rateLimits?.planType ?? null,
        };
      }
      return;
    }
    const threadId = (params as { threadId?: unknown } | null)?.threadId;
    const sink = typeof threadId === "string" ? this.#sinks.get(threadId) : undefined;
    if (!sink || sink.finished) return;
    let endNow: BackendError | undefined;
    try {
      endNow = applyTurnNotification(sink, method, params, this.#rateLimits, this.#now());
    } catch {
      this.#o.logger.warn("codex protocol error", { problem: `unexpected ${method} payload` });
      endNow = new BackendError("upstream", "Codex sent a message this adapter does not understand");
    }
    if (endNow) sink.fail(endNow); // the request's own cleanup then interrupts the turn in Codex
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}

/**
 * Waits for `pending` unless `signal` aborts first, then rejects with the abort reason;
 * `onLate` receives a value that arrives after the abort, so it can be released.
 */
function unlessAborted<T>(pending: Promise<T>, signal: AbortSignal, onLate?: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason as Error);
      pending.then((value) => onLate?.(value), () => undefined);
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(
      (value) => (signal.removeEventListener("abort", onAbort), resolve(value)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err as Error)),
    );
  });
}
