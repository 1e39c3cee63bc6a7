import type { Logger } from "../core/logger.ts";
import { unlessAborted } from "../core/unless-aborted.ts";
import { BackendError } from "./backend-error.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import {
  dynamicToolCallParams,
  threadStartResult,
  turnStartResult,
  type RateLimitSnapshot,
} from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { fetchModelList } from "./model-list.ts";
import { mergeRateLimitsUpdate } from "./rate-limits.ts";
import { BASE_INSTRUCTIONS, BASE_INSTRUCTIONS_WITH_TOOLS, hardeningArgs } from "./codex-hardening.ts";
import { AccountManager } from "./account-manager.ts";
import { RpcTimeoutError, type JsonRpcClient, type WireObserver } from "./jsonrpc-client.ts";
import { CRASHED_MESSAGE, parseResult, rpc, toBackendError } from "./rpc-call.ts";
import { applyTurnNotification } from "./turn-notifications.ts";
import { ThreadPool } from "./thread-pool.ts";
import { historyItems, turnInput } from "./history-items.ts";
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
  PausedTurn,
  ToolCall,
  ToolDefinition,
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

/** A turn on its thread, across the requests that consume it. */
interface ActiveTurn extends StartedThread {
  readonly sink: TurnSink;
  interruptSent?: boolean;
  ended?: boolean;
  /** A turn/start still unanswered; the turn is interrupted once its id is known. */
  starting?: Promise<unknown> | undefined;
}

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
        // Client tool calls are returned to the client; every other request (approvals, ...) is refused.
        onRequest: (method, params) =>
          method === "item/tool/call" ? this.#onToolCall(params) : Promise.reject(new Error(`${method} is not supported by this adapter`)),
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
    const { client, threadId } = await unlessAborted(thread, signal, unsubscribe);
    const turn: ActiveTurn = { client, threadId, sink: new TurnSink(request.tools.map((t) => t.name), (calls) => this.#paused(turn, calls)) };
    turn.sink.onPause = request.onPause;
    for (const h of request.history) if (h.type === "tool_call") turn.sink.replayedCallIds.add(h.callId);
    this.#sinks.set(threadId, turn.sink);
    yield* this.#segment(turn, signal, async () => {
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
              input: turnInput(request.input, request.inputImages),
              ...(request.model ? { model: request.model } : {}),
              ...(request.reasoningEffort ? { effort: request.reasoningEffort } : {}),
              ...(request.outputSchema ? { outputSchema: request.outputSchema } : {}),
            },
            this.#rpcTimeoutMs,
          )
          .then((r) => parseResult(turnStartResult, r)),
      ).then((started) => (turn.sink.turnId = started.turn.id));
      turn.starting = turnStart.catch(() => undefined);
      // A hung Codex must not hold the request past its timeout: the abort ends the wait.
      await unlessAborted(turnStart, signal);
      turn.starting = undefined;
    });
  }

  /**
   * Consumes one segment of a turn: `begin` starts it (turn/start, or answering tool calls),
   * then Codex's events flow until the turn ends or pauses on client tool calls. Unless it
   * paused, the turn is stopped in Codex (if still running) and the thread let go.
   */
  async *#segment(turn: ActiveTurn, signal: AbortSignal, begin: () => Promise<void>): AsyncGenerator<ChatEvent> {
    const { sink } = turn;
    const events = sink.events;
    const onAbort = () => {
      if (sink.paused || sink.events !== events) return; // the paused (or resumed) turn belongs to its new owner now
      this.#interrupt(turn);
      sink.fail(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      signal.throwIfAborted();
      await begin();
      try {
        yield* sink.events;
      } catch (err) {
        // Codex already tried to refresh the login before failing the turn as unauthorized.
        if (err instanceof BackendError && err.kind === "unauthenticated") this.#account.turnUnauthorized();
        throw err;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (!sink.paused) this.#endTurn(turn); // whenever the request ends before Codex ended the turn (abort, early 429, protocol error)
    }
  }

  /** The handle a request gets when its turn pauses on client tool calls. */
  #paused(turn: ActiveTurn, calls: readonly ToolCall[]): PausedTurn {
    const alive = () => turn.sink.paused && !turn.sink.codexEnded && this.#sinks.get(turn.threadId) === turn.sink;
    return {
      callIds: calls.map((c) => c.callId),
      get alive() {
        return alive();
      },
      resume: (results, signal, onPause) => {
        if (!alive()) throw new BackendError("crashed", "the turn waiting for these tool results has ended");
        turn.sink.resume(onPause);
        return this.#segment(turn, signal, () => {
          turn.sink.gate.provide(results);
          return Promise.resolve();
        });
      },
      release: () => this.#endTurn(turn),
    };
  }

  /** Stops the turn in Codex unless Codex already ended it; safe to call more than once. */
  #interrupt(turn: ActiveTurn): void {
    const { sink } = turn;
    if (!sink.turnId || sink.codexEnded || turn.interruptSent) return;
    turn.interruptSent = true;
    // Codex answers once the turn is aborted (about a second under heavy load); silence means a hung child.
    this.#local(turn.client.request("turn/interrupt", { threadId: turn.threadId, turnId: sink.turnId }, this.#rpcTimeoutMs)).catch(() => undefined);
  }

  /** Lets go of a turn for good: interrupted if still running, its tool requests refused, its thread unsubscribed. */
  #endTurn(turn: ActiveTurn): void {
    if (turn.ended) return;
    turn.ended = true;
    turn.sink.gate.close();
    if (this.#sinks.get(turn.threadId) === turn.sink) this.#sinks.delete(turn.threadId);
    const cleanUp = () => {
      this.#interrupt(turn);
      void turn.client.request("thread/unsubscribe", { threadId: turn.threadId }, this.#rpcTimeoutMs).catch(() => undefined);
    };
    if (turn.starting) void turn.starting.then(cleanUp);
    else cleanUp();
  }

  /** Codex's `item/tool/call`: answered with the client's result, never by running anything. */
  #onToolCall(params: unknown): Promise<unknown> {
    const parsed = dynamicToolCallParams.safeParse(params);
    const sink = parsed.success ? this.#sinks.get(parsed.data.threadId) : undefined;
    if (!parsed.success || !sink) return Promise.reject(new Error("item/tool/call for no waiting turn"));
    return sink.gate.request(parsed.data.callId);
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

  #failAll(): void {
    this.#account.childExited();
    this.#threads.clear();
    const crashed = new BackendError("crashed", CRASHED_MESSAGE);
    for (const sink of this.#sinks.values()) {
      sink.codexEnded = true; // a paused turn is no longer alive either
      sink.gate.close();
      sink.fail(crashed);
    }
    this.#sinks.clear();
  }

  #onNotification(method: string, params: unknown): void {
    if (this.#account.onNotification(method, params)) return;
    if (method === "account/rateLimits/updated") {
      this.#rateLimits = mergeRateLimitsUpdate(this.#rateLimits, params);
      return;
    }
    const threadId = (params as { threadId?: unknown } | null)?.threadId;
    const sink = typeof threadId === "string" ? this.#sinks.get(threadId) : undefined;
    if (!sink) return;
    if (sink.paused) {
      // Nobody consumes a paused turn; only its end matters (it can no longer be resumed).
      if (method === "turn/completed") sink.codexEnded = true;
      return;
    }
    if (sink.finished) return;
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
