import type { Hono } from "hono";
import type { AppEnv } from "../../src/http/app-env.ts";
import type { ReadinessProbe } from "../../src/app-deps.ts";
import { createApp } from "../../src/app.ts";
import type { RequestProblem } from "../../src/backend/readiness.ts";
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
  TokenUsage,
  ToolCall,
  ToolResult,
  UsageLimits,
} from "../../src/backend/types.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Clock } from "../../src/core/clock.ts";
import { createLimiter, type Limiter } from "../../src/core/limiter.ts";
import { createLogger, type Logger } from "../../src/core/logger.ts";
import type { Shutdown } from "../../src/core/shutdown.ts";
import { TestClock } from "./test-clock.ts";

/** One step of a scripted turn. */
export type TurnStep =
  | { readonly event: ChatEvent; readonly delayMs?: number }
  | { readonly error: Error; readonly delayMs?: number }
  /** Stay silent until the turn's signal fires, then end by throwing its reason (or `thenThrow`, as a real interrupt would). */
  | { readonly hang: true; readonly thenThrow?: Error }
  /** The model calls client tools: the turn pauses (handed to onPause) and this segment ends. */
  | { readonly pause: readonly ToolCall[] };

/** A paused turn of the fake: resuming runs the next queued script. */
export interface FakePausedTurn extends PausedTurn {
  readonly released: boolean;
  readonly resumedWith: readonly ToolResult[] | undefined;
}

/** What the fake saw for one chat turn. */
export interface RecordedTurn extends ChatTurnRequest {
  /** Whether the turn's AbortSignal fired (read at any time). */
  readonly aborted: boolean;
  /** Whether the iterator finished (normally, by error, or by abort). */
  readonly ended: boolean;
}

export const USAGE: TokenUsage = {
  inputTokens: 11,
  cachedInputTokens: 3,
  outputTokens: 7,
  reasoningOutputTokens: 2,
  totalTokens: 18,
};

/** Steps for a plain successful answer: text deltas, usage, done. */
export function answer(texts: readonly string[], usage: TokenUsage = USAGE): TurnStep[] {
  return [...texts.map((delta) => ({ event: { type: "text", delta } as const })), { event: { type: "usage", usage } }, { event: { type: "done" } }];
}

export const DEFAULT_MODELS: readonly ModelInfo[] = [
  { id: "gpt-5.5", displayName: "GPT-5.5", isDefault: true, reasoningEfforts: ["low", "medium", "high"], inputModalities: ["text"] },
  { id: "gpt-5.5-mini", displayName: "GPT-5.5 mini", isDefault: false, reasoningEfforts: ["minimal", "low"], inputModalities: ["text"] },
];

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** A scriptable Backend: queue a script per turn with `script()`; unscripted turns answer "ok". */
export class FakeBackend implements Backend {
  readonly name = "app-server" as const;
  features = { tools: true, outputSchema: true, images: true, webSearch: true };
  /** Every turn that paused on tool calls, in order. */
  readonly paused: FakePausedTurn[] = [];
  readonly turns: RecordedTurn[] = [];
  models: readonly ModelInfo[] | Error = DEFAULT_MODELS;
  account: AccountStatus | Error = { usable: true, problem: undefined };
  healthState: BackendHealth = { state: "ready", problem: undefined };
  listModelsCalls = 0;
  readonly #scripts: TurnStep[][] = [];
  /** Resolvers waiting for the n-th turn to start. */
  readonly #turnWaiters: { count: number; resolve: () => void }[] = [];

  /** Queues the script for the next chat turn (FIFO). */
  script(...steps: TurnStep[]): this {
    this.#scripts.push(steps);
    return this;
  }

  /** Resolves once at least `count` turns have started. */
  waitForTurns(count: number): Promise<void> {
    if (this.turns.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#turnWaiters.push({ count, resolve }));
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  health(): BackendHealth {
    return this.healthState;
  }

  runtime(): BackendRuntime {
    return { pid: undefined, restarts: 0, activeTurns: this.turns.filter((t) => !t.ended).length };
  }

  listModels(): Promise<readonly ModelInfo[]> {
    this.listModelsCalls += 1;
    return this.models instanceof Error ? Promise.reject(this.models) : Promise.resolve(this.models);
  }

  /** What configuredModel() answers (Codex's model from the operator's config), if set. */
  configured: string | undefined = undefined;

  configuredModel(): string | undefined {
    return this.configured;
  }

  readAccount(): Promise<AccountStatus> {
    return this.account instanceof Error ? Promise.reject(this.account) : Promise.resolve(this.account);
  }

  binaryVersion(): Promise<string> {
    return Promise.resolve("0.169.0");
  }

  // --- sign-in and account (scriptable) ---

  /** What the next startLogin() does: becomes the pending state, or rejects with the error. */
  loginStart: Extract<LoginState, { status: "pending" }> | Error = {
    status: "pending",
    loginId: "login-1",
    verificationUrl: "https://auth.example.invalid/codex/device",
    userCode: "ABCD-1234",
    startedAt: 1_750_000_000_000,
  };
  login: LoginState = { status: "idle" };
  /** What accountDetails() answers. */
  details: AccountDetails | Error = { signedIn: true, authMode: "chatgpt", planType: "plus", rateLimits: null, credits: null };
  /** What usageLimits() answers (the figures behind the x-ratelimit-* headers). */
  limits: UsageLimits | undefined = undefined;
  /** What logout() rejects with, if anything. */
  logoutError: Error | undefined = undefined;
  readonly loginCalls = { start: 0, cancel: 0, logout: 0 };
  readonly #accountListeners = new Set<() => void>();

  startLogin(): Promise<LoginState> {
    this.loginCalls.start += 1;
    if (this.loginStart instanceof Error) return Promise.reject(this.loginStart);
    this.login = this.loginStart;
    return Promise.resolve(this.login);
  }

  cancelLogin(): Promise<void> {
    this.loginCalls.cancel += 1;
    if (this.login.status === "pending") this.login = { status: "idle" };
    return Promise.resolve();
  }

  loginState(): LoginState {
    return this.login;
  }

  logout(): Promise<void> {
    this.loginCalls.logout += 1;
    if (this.logoutError) return Promise.reject(this.logoutError);
    this.login = { status: "idle" };
    this.account = { usable: false, problem: "Codex is not signed in: run `npm run login` to sign in with ChatGPT" };
    this.details = { signedIn: false, authMode: null, planType: null, rateLimits: null, credits: null };
    this.emitAccountChanged();
    return Promise.resolve();
  }

  accountDetailsCalls = 0;

  accountDetails(): Promise<AccountDetails> {
    this.accountDetailsCalls += 1;
    return this.details instanceof Error ? Promise.reject(this.details) : Promise.resolve(this.details);
  }

  usageLimits(): UsageLimits | undefined {
    return this.limits;
  }

  onAccountChanged(listener: () => void): () => void {
    this.#accountListeners.add(listener);
    return () => this.#accountListeners.delete(listener);
  }

  /** Ends the pending sign-in as Codex's account/login/completed would (success also makes the account usable). */
  completeLogin(success: boolean, error = "the sign-in failed", at = 1_750_000_060_000): void {
    if (success) {
      this.login = { status: "succeeded", at };
      this.account = { usable: true, problem: undefined };
      this.details = { signedIn: true, authMode: "chatgpt", planType: "plus", rateLimits: null, credits: null };
      this.emitAccountChanged();
    } else {
      this.login = { status: "failed", error, at };
    }
  }

  emitAccountChanged(): void {
    for (const listener of [...this.#accountListeners]) listener();
  }

  chat(request: ChatTurnRequest): AsyncIterable<ChatEvent> {
    const steps = this.#scripts.shift() ?? answer(["ok"]);
    const state = { ended: false };
    const { signal } = request;
    this.turns.push({
      model: request.model,
      instructions: request.instructions,
      history: request.history,
      input: request.input,
      inputImages: request.inputImages,
      tools: request.tools,
      outputSchema: request.outputSchema,
      onPause: request.onPause,
      reasoningEffort: request.reasoningEffort,
      reasoningSummary: request.reasoningSummary,
      webSearch: request.webSearch,
      signal,
      get aborted() {
        return signal.aborted;
      },
      get ended() {
        return state.ended;
      },
    });
    for (const w of this.#turnWaiters.filter((x) => this.turns.length >= x.count)) {
      this.#turnWaiters.splice(this.#turnWaiters.indexOf(w), 1);
      w.resolve();
    }
    return run(steps, signal, state, (calls) => request.onPause(this.#pausedTurn(calls)));
  }

  #pausedTurn(calls: readonly ToolCall[]): FakePausedTurn {
    const next = () => this.#scripts.shift() ?? answer(["ok"]);
    const pausedAgain = (onPause: (t: PausedTurn) => void) => (more: readonly ToolCall[]) => onPause(this.#pausedTurn(more));
    const turn = {
      callIds: calls.map((c) => c.callId),
      released: false,
      resumedWith: undefined as readonly ToolResult[] | undefined,
      get alive() {
        return !turn.released && turn.resumedWith === undefined;
      },
      resume(results: readonly ToolResult[], signal: AbortSignal, onPause: (t: PausedTurn) => void) {
        turn.resumedWith = results;
        return run(next(), signal, { ended: false }, pausedAgain(onPause));
      },
      release() {
        turn.released = true;
      },
    };
    this.paused.push(turn);
    return turn;
  }
}

async function* run(
  steps: readonly TurnStep[],
  signal: AbortSignal,
  state: { ended: boolean },
  pause: (calls: readonly ToolCall[]) => void,
): AsyncGenerator<ChatEvent> {
  try {
    for (const step of steps) {
      if ("pause" in step) {
        pause(step.pause);
        yield { type: "tool_calls", calls: step.pause };
        return;
      }
      if ("hang" in step) {
        const fail = () => step.thenThrow ?? (signal.reason as Error);
        await new Promise<never>((_resolve, reject) => {
          if (signal.aborted) reject(fail());
          else signal.addEventListener("abort", () => reject(fail()), { once: true });
        });
        continue;
      }
      if (step.delayMs) await sleep(step.delayMs, signal);
      if (signal.aborted) throw signal.reason as Error;
      if ("error" in step) throw step.error;
      yield step.event;
    }
  } finally {
    state.ended = true;
  }
}

/** A ReadinessProbe whose answers a test sets directly. */
export class FakeReadiness implements ReadinessProbe {
  healthProblem: string | undefined = undefined;
  /** What requestProblem() answers (a login or version problem), or undefined. */
  requestBlocker: RequestProblem | undefined = undefined;
  refreshes = 0;

  problem(): string | undefined {
    return this.healthProblem;
  }

  requestProblem(): Promise<RequestProblem | undefined> {
    return Promise.resolve(this.requestBlocker);
  }

  refresh(): Promise<void> {
    this.refreshes += 1;
    return Promise.resolve();
  }
}

export const TEST_KEY = "unit-test-key-9fK2mQ7xV4pL8sT3wZ6yB1nR";
/** The clock of every test app that brings none: it never moves. */
export const fixedClock: Clock = new TestClock(1_750_000_000_000);

export interface TestApp {
  readonly app: Hono<AppEnv>;
  readonly backend: FakeBackend;
  readonly limiter: Limiter;
  readonly readiness: FakeReadiness;
  readonly config: Config;
  readonly logs: string[];
  readonly logger: Logger;
  /** app.request with the bearer key already set. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** POST /v1/chat/completions with a JSON body and the bearer key. */
  chat(body: unknown, init?: RequestInit): Promise<Response>;
}

/** A fresh app over a FakeBackend; `env` goes through loadConfig like the real service. */
/** A test that moves time passes its own `clock` (a TestClock); the rest share the still fixedClock. */
export function createTestApp(options: { env?: Record<string, string>; backend?: FakeBackend; shutdown?: Shutdown; clock?: Clock } = {}): TestApp {
  const config = loadConfig({ PROXY_API_KEY: TEST_KEY, DATA_DIR: "/tmp/ccp-unit", ...options.env });
  const backend = options.backend ?? new FakeBackend();
  const limiter = createLimiter({ capacity: config.maxConcurrentRequests, maxQueue: config.maxQueueLength, maxWaitMs: config.queueWaitMs });
  const readiness = new FakeReadiness();
  const logs: string[] = [];
  const logger = createLogger("debug", (line) => logs.push(line));
  const app = createApp({ config, apiKey: TEST_KEY, backend, limiter, readiness, logger, clock: options.clock ?? fixedClock, ...(options.shutdown ? { shutdown: options.shutdown } : {}) });
  const request = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${TEST_KEY}`);
    return app.request(path, { ...init, headers });
  };
  const chat = (body: unknown, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set("content-type", "application/json");
    return request("/v1/chat/completions", { method: "POST", ...init, headers, body: JSON.stringify(body) });
  };
  return { app, backend, limiter, readiness, config, logs, logger, request, chat };
}

/** Minimal valid chat body. */
export function chatBody(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { model: "codex-cli-default", messages: [{ role: "user", content: "Hello" }], ...extra };
}
