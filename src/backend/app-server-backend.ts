import type { z } from "zod";
import type { Logger } from "../core/logger.ts";
import { BackendError } from "./backend-error.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import {
  accountReadResult,
  authStatusResult,
  modelListResult,
  rateLimitsUpdated,
  threadStartResult,
  turnStartResult,
  type RateLimitSnapshot,
} from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { BASE_INSTRUCTIONS, hardeningArgs } from "./codex-hardening.ts";
import { describeAccount, describeAuthStatus } from "./account-status.ts";
import { RpcError, RpcTimeoutError, type JsonRpcClient } from "./jsonrpc-client.ts";
import { CRASHED_MESSAGE, parseResult, rpc, toBackendError } from "./rpc-call.ts";
import { applyTurnNotification } from "./turn-notifications.ts";
import { ThreadPool } from "./thread-pool.ts";
import { historyItems } from "./history-items.ts";
import { TurnSink } from "./turn-sink.ts";
import type { AccountStatus, Backend, BackendHealth, ChatEvent, ChatTurnRequest, ModelInfo } from "./types.ts";

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
}

const RPC_TIMEOUT_MS = 30_000;
const ACCOUNT_READ_TIMEOUT_MS = 10_000;

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
  readonly #threads: ThreadPool<StartedThread>;
  /** Active turns by thread id; notifications are routed here. */
  readonly #sinks = new Map<string, TurnSink>();
  #rateLimits: RateLimitSnapshot | undefined;
  #configuredModel: string | undefined;

  constructor(options: AppServerBackendOptions) {
    this.#o = options;
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
      },
      onChildExit: () => this.#failAll(),
      onReady: () => this.#threads.fill(),
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

  /** Diagnostics for tests and the operator: the child's pid and how often it restarted. */
  get child(): { pid: number | undefined; restarts: number; activeTurns: number } {
    return { pid: this.#supervisor.pid, restarts: this.#supervisor.restarts, activeTurns: this.#sinks.size };
  }

  binaryVersion(): Promise<string> {
    return readBinaryVersion(this.#o.bin, this.#o.env);
  }

  configuredModel(): string | undefined {
    return this.#configuredModel;
  }

  async readAccount(): Promise<AccountStatus> {
    const client = await this.#client();
    const account = await rpc(
      client.request("account/read", {}, ACCOUNT_READ_TIMEOUT_MS).catch((err: unknown) => {
        // account/read asks the ChatGPT backend about workspaces and fails (or hangs) offline;
        // the local auth state still answers.
        if (err instanceof RpcError || err instanceof RpcTimeoutError) return undefined;
        throw err;
      }),
    );
    if (account !== undefined) return describeAccount(parseResult(accountReadResult, account));
    return rpc(
      client
        .request("getAuthStatus", { includeToken: false, refreshToken: false }, RPC_TIMEOUT_MS)
        .then((result) => describeAuthStatus(parseResult(authStatusResult, result))),
    );
  }

  async listModels(): Promise<readonly ModelInfo[]> {
    const client = await this.#client();
    const models: ModelInfo[] = [];
    let cursor: string | null = null;
    do {
      const page: ModelPage = await rpc(client.request("model/list", { cursor }, RPC_TIMEOUT_MS).then((r) => parseResult(modelListResult, r)));
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
    const { client, threadId } = await rpc(this.#threads.take());
    const sink = new TurnSink();
    this.#sinks.set(threadId, sink);
    let interruptSent = false;
    /** Stops the turn in Codex unless Codex already ended it; safe to call more than once. */
    const interrupt = () => {
      if (!sink.turnId || sink.codexEnded || interruptSent) return;
      interruptSent = true;
      client.request("turn/interrupt", { threadId, turnId: sink.turnId }, RPC_TIMEOUT_MS).catch(() => undefined);
    };
    const onAbort = () => {
      interrupt();
      sink.fail(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      signal.throwIfAborted();
      const items = historyItems(request.instructions, request.history);
      if (items.length) await this.#local(client.request("thread/inject_items", { threadId, items }, RPC_TIMEOUT_MS));
      signal.throwIfAborted();
      const started = await this.#local(
        client
          .request(
            "turn/start",
            {
              threadId,
              input: [{ type: "text", text: request.input, text_elements: [] }],
              ...(request.model ? { model: request.model } : {}),
              ...(request.reasoningEffort ? { effort: request.reasoningEffort } : {}),
            },
            RPC_TIMEOUT_MS,
          )
          .then((r) => parseResult(turnStartResult, r)),
      );
      sink.turnId = started.turn.id;
      yield* sink.events;
    } finally {
      signal.removeEventListener("abort", onAbort);
      interrupt(); // whenever the request ends before Codex ended the turn (abort, early 429, protocol error)
      this.#sinks.delete(threadId);
      client.request("thread/unsubscribe", { threadId }, RPC_TIMEOUT_MS).catch(() => undefined);
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
    const started = await this.#local(client.request("thread/start", params, RPC_TIMEOUT_MS).then((r) => parseResult(threadStartResult, r)));
    this.#configuredModel = started.model;
    return { client, threadId: started.thread.id };
  }

  #failAll(): void {
    this.#threads.clear();
    const crashed = new BackendError("crashed", CRASHED_MESSAGE);
    for (const sink of this.#sinks.values()) sink.fail(crashed);
    this.#sinks.clear();
  }

  #onNotification(method: string, params: unknown): void {
    if (method === "account/rateLimits/updated") {
      const parsed = rateLimitsUpdated.safeParse(params);
      // Updates are sparse: a missing window does not clear the last one seen.
      if (parsed.success) {
        const { primary, secondary } = parsed.data.rateLimits;
        this.#rateLimits = {
          primary: primary ?? this.#rateLimits?.primary ?? null,
          secondary: secondary ?? this.#rateLimits?.secondary ?? null,
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
