import type { z } from "zod";
import type { Logger } from "../core/logger.ts";
import { BackendError } from "./backend-error.ts";
import { AppServerSupervisor } from "./app-server-supervisor.ts";
import {
  accountReadResult,
  agentMessageDelta,
  authStatusResult,
  errorNotification,
  modelListResult,
  rateLimitsUpdated,
  reasoningDelta,
  threadStartResult,
  tokenUsageUpdated,
  turnCompleted,
  turnStartResult,
  type RateLimitSnapshot,
} from "./app-server-protocol.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { mapTurnError, upstreamHttpStatus } from "./codex-error-map.ts";
import { BASE_INSTRUCTIONS, hardeningArgs } from "./codex-hardening.ts";
import { describeAccount, describeAuthStatus } from "./account-status.ts";
import { RpcClosedError, RpcError, RpcTimeoutError, type JsonRpcClient } from "./jsonrpc-client.ts";
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

type ModelPage = z.infer<typeof modelListResult>;

/** Answers chats through one supervised `codex app-server`, one ephemeral thread per request. */
export class AppServerBackend implements Backend {
  readonly name = "app-server" as const;
  readonly #o: AppServerBackendOptions;
  readonly #supervisor: AppServerSupervisor;
  readonly #threads: ThreadPool;
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
      isReady: () => this.#supervisor.state === "ready",
      startThread: async () => this.#startThread(await this.#client()),
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
      client.request("account/read", {}, RPC_TIMEOUT_MS).catch((err: unknown) => {
        // account/read asks the ChatGPT backend about workspaces and fails offline; the local auth state still answers.
        if (err instanceof RpcError) return undefined;
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
    const client = await this.#client(signal);
    const threadId = await rpc(this.#threads.take());
    const sink = new TurnSink();
    this.#sinks.set(threadId, sink);
    const interrupt = () => {
      if (sink.turnId && !sink.finished) {
        client.request("turn/interrupt", { threadId, turnId: sink.turnId }, RPC_TIMEOUT_MS).catch(() => undefined);
      }
    };
    const onAbort = () => {
      interrupt();
      sink.fail(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      signal.throwIfAborted();
      const items = historyItems(request.instructions, request.history);
      if (items.length) await rpc(client.request("thread/inject_items", { threadId, items }, RPC_TIMEOUT_MS));
      signal.throwIfAborted();
      const started = await rpc(
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
      if (signal.aborted) onAbort();
      yield* sink.events;
    } finally {
      signal.removeEventListener("abort", onAbort);
      interrupt(); // no-op unless the consumer stopped early
      this.#sinks.delete(threadId);
      client.request("thread/unsubscribe", { threadId }, RPC_TIMEOUT_MS).catch(() => undefined);
    }
  }

  async #client(signal?: AbortSignal): Promise<JsonRpcClient> {
    return this.#supervisor.ready(this.#o.readyWaitMs ?? 15_000, signal);
  }

  async #startThread(client: JsonRpcClient): Promise<string> {
    const params = { cwd: this.#o.workDir, sandbox: "read-only", approvalPolicy: "never", ephemeral: true, baseInstructions: BASE_INSTRUCTIONS };
    const started = await rpc(client.request("thread/start", params, RPC_TIMEOUT_MS).then((r) => parseResult(threadStartResult, r)));
    this.#configuredModel = started.model;
    return started.thread.id;
  }

  #failAll(): void {
    this.#threads.clear();
    const crashed = new BackendError("crashed", "Codex stopped while answering this request and is restarting; retry it.");
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
    try {
      this.#routeTurnNotification(sink, threadId as string, method, params);
    } catch {
      this.#o.logger.warn("codex protocol error", { problem: `unexpected ${method} payload` });
      this.#failTurn(sink, threadId as string, new BackendError("upstream", "Codex sent a message this adapter does not understand"));
    }
  }

  /** Throws when a payload does not match the pinned protocol. */
  #routeTurnNotification(sink: TurnSink, threadId: string, method: string, params: unknown): void {
    switch (method) {
      case "item/agentMessage/delta": {
        const p = agentMessageDelta.parse(params);
        sink.events.push({ type: "text", delta: p.delta });
        break;
      }
      case "item/reasoning/textDelta":
      case "item/reasoning/summaryTextDelta": {
        const p = reasoningDelta.parse(params);
        sink.events.push({ type: "reasoning", delta: p.delta });
        break;
      }
      case "thread/tokenUsage/updated": {
        const t = tokenUsageUpdated.parse(params).tokenUsage.total;
        sink.usage = {
          inputTokens: t.inputTokens,
          cachedInputTokens: t.cachedInputTokens,
          outputTokens: t.outputTokens,
          reasoningOutputTokens: t.reasoningOutputTokens,
          totalTokens: t.totalTokens,
        };
        break;
      }
      case "error": {
        const p = errorNotification.parse(params);
        // Codex retries upstream 429s itself for minutes; the client is better served by a prompt 429.
        if (p.willRetry && upstreamHttpStatus(p.error.codexErrorInfo) !== 429) break;
        if (p.willRetry) {
          this.#failTurn(sink, threadId, mapTurnError(p.error, this.#rateLimits, this.#now()));
        } else {
          sink.lastError = p.error;
        }
        break;
      }
      case "turn/completed": {
        const { turn } = turnCompleted.parse(params);
        if (turn.status === "completed") sink.complete();
        else if (turn.status === "interrupted") sink.fail(new BackendError("interrupted", "the turn was interrupted"));
        else {
          const error = turn.error ?? sink.lastError ?? { message: "Codex reported a failed turn" };
          sink.fail(mapTurnError(error, this.#rateLimits, this.#now()));
        }
        break;
      }
    }
  }

  #failTurn(sink: TurnSink, threadId: string, error: BackendError): void {
    const turnId = sink.turnId;
    sink.fail(error);
    if (turnId) {
      this.#supervisor
        .ready(0)
        .then((c) => c.request("turn/interrupt", { threadId, turnId }, RPC_TIMEOUT_MS))
        .catch(() => undefined);
    }
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }
}

/** Turns RPC and protocol failures into backend terms, so the HTTP layer never sees a raw RPC error. */
async function rpc<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof BackendError) throw err;
    if (err instanceof RpcClosedError) throw new BackendError("crashed", "Codex stopped while answering this request and is restarting; retry it.");
    if (err instanceof RpcTimeoutError) throw new BackendError("unavailable", "Codex did not answer in time");
    if (err instanceof RpcError) throw new BackendError("upstream", `Codex refused the request (${err.message})`);
    throw err;
  }
}

/** Parses a response of the pinned protocol; a mismatch is reported as an upstream failure, not a crash. */
function parseResult<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BackendError("upstream", "Codex answered in a shape this adapter does not understand");
  return parsed.data;
}
