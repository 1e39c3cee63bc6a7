import type { ReasoningSummary } from "../config.ts";

/** The backend contract in the adapter's own terms; the HTTP layer knows nothing of Codex. */

/** A web search a client asked for: the settings the model service's search takes (each API maps its own to these). */
export interface WebSearchRequest {
  /** Only results from these domains. */
  readonly allowedDomains?: readonly string[];
  readonly contextSize?: "low" | "medium" | "high";
  /** Where the user is, roughly, for local results. */
  readonly location?: { readonly country?: string; readonly region?: string; readonly city?: string; readonly timezone?: string };
}

/** A source a message cites, and the part of the message's text that cites it (offsets into that message's text). */
export interface Citation {
  readonly url: string;
  readonly title: string;
  readonly start: number;
  readonly end: number;
}

/** One earlier conversation item, replayed before the new turn. */
export type HistoryItem =
  | { readonly type: "user"; readonly text: string; readonly images: readonly string[] }
  | { readonly type: "assistant"; readonly text: string }
  /** A client tool the model called earlier; `arguments` is the model's JSON text. */
  | { readonly type: "tool_call"; readonly callId: string; readonly name: string; readonly arguments: string }
  | { readonly type: "tool_result"; readonly callId: string; readonly output: string };

/** A client-side function the model may call; the adapter never runs it, it returns the call to the client. */
export interface ToolDefinition {
  readonly name: string;
  readonly description: string;
  /** JSON Schema of the arguments. */
  readonly parameters: object;
}

export interface ToolCall {
  readonly callId: string;
  readonly name: string;
  /** The arguments as the model wrote them: a JSON text. */
  readonly arguments: string;
}

export interface ToolResult {
  readonly callId: string;
  readonly output: string;
}

/**
 * A turn waiting for the results of the tool calls it returned. Whoever receives it owns it:
 * either `resume` it with the results or `release` it.
 */
export interface PausedTurn {
  readonly callIds: readonly string[];
  /** False once the turn ended in Codex (child restart, failure); resume it no more. */
  readonly alive: boolean;
  /** Answers the waiting calls and yields the rest of the turn (which may pause again, handing itself to `onPause`). */
  resume(results: readonly ToolResult[], signal: AbortSignal, onPause: (turn: PausedTurn) => void): AsyncIterable<ChatEvent>;
  /** Ends the turn in Codex; safe to call more than once. */
  release(): void;
}

export interface ChatTurnRequest {
  /** Upstream model id, or undefined for Codex's configured default. */
  readonly model: string | undefined;
  /** System and developer messages, joined; reaches the model as developer instructions. */
  readonly instructions: string | undefined;
  /** Earlier conversation, replayed as items before the new turn. */
  readonly history: readonly HistoryItem[];
  /** The last user message: the input that starts the turn (empty when the history ends in tool results). */
  readonly input: string;
  /** Images of the last user message, as data: URLs. */
  readonly inputImages: readonly string[];
  /** Client tools offered to the model (none: no tools). */
  readonly tools: readonly ToolDefinition[];
  /** JSON Schema the final answer must follow, or undefined. */
  readonly outputSchema: object | undefined;
  /** The client asked for web search (run at the model service), with the settings it gave; undefined: none. */
  readonly webSearch: WebSearchRequest | undefined;
  /**
   * Receives the turn when it pauses on client tool calls, synchronously, before the
   * `tool_calls` event is read: the turn has an owner even if the client is gone by then.
   */
  readonly onPause: (turn: PausedTurn) => void;
  readonly reasoningEffort: string | undefined;
  /** The reasoning summary to ask for (`none`: none); Codex asks only models that write one. */
  readonly reasoningSummary: ReasoningSummary;
  /** Aborts the turn (client gone or timeout); the backend interrupts Codex and ends the stream. */
  readonly signal: AbortSignal;
}

export interface TokenUsage {
  readonly inputTokens: number;
  readonly cachedInputTokens: number;
  readonly outputTokens: number;
  readonly reasoningOutputTokens: number;
  readonly totalTokens: number;
}

/**
 * What an assistant message is: commentary (progress the model writes before tool calls or its
 * answer) or the answer; null when the model does not say.
 */
export type MessagePhase = "commentary" | "final_answer" | null;

/**
 * Between consecutive assistant messages where an API has one text for them (Chat Completions'
 * `content`, a replayed history): the conversation key of warm threads hashes them the same way.
 */
export const MESSAGE_BREAK = "\n\n";

export type ChatEvent =
  /** An assistant message begins; its text follows as `text` events (the first message may come without one). */
  | { readonly type: "message"; readonly phase: MessagePhase }
  | { readonly type: "text"; readonly delta: string }
  /** A part of the reasoning summary begins; its text follows as `reasoning` events. */
  | { readonly type: "reasoning_part" }
  | { readonly type: "reasoning"; readonly delta: string }
  /** A web search the model runs at the model service (never on this machine): begun, then done. */
  | { readonly type: "web_search"; readonly id: string; readonly query: string; readonly status: "searching" | "completed" }
  /** The sources the message just written cites (after its text, before the next message begins). */
  | { readonly type: "citations"; readonly citations: readonly Citation[] }
  | { readonly type: "usage"; readonly usage: TokenUsage }
  /** The model called client tools; the stream ends after this event and the turn waits (see `onPause`). */
  | { readonly type: "tool_calls"; readonly calls: readonly ToolCall[] }
  | { readonly type: "done" };

export interface ModelInfo {
  readonly id: string;
  readonly displayName: string;
  readonly isDefault: boolean;
  readonly reasoningEfforts: readonly string[];
  readonly inputModalities: readonly string[];
}

export type BackendState = "starting" | "ready" | "backoff" | "stopped";

export interface BackendHealth {
  readonly state: BackendState;
  /** Why the backend cannot serve, in operator words; undefined when ready. */
  readonly problem: string | undefined;
}

/** Why a request that continues a conversation did not get a warm thread (see continuity.ts). */
export const MISS_REASONS = ["no_match", "busy", "moved_on", "turn_failed", "evicted_idle", "evicted_full", "restarted", "login_changed"] as const;
export type MissReason = (typeof MISS_REASONS)[number];

/** Conversation continuity as the dashboard and /metrics show it. */
export interface WarmThreadStats {
  /** Idle threads kept for their conversation's next turn, and at most how many. */
  readonly warm: number;
  readonly max: number;
  readonly idleSeconds: number;
  /** Requests that continued a conversation on its warm thread. */
  readonly hits: number;
  /** Requests that continued a conversation on a fresh thread, by reason. */
  readonly misses: Readonly<Record<MissReason, number>>;
}

/** Live figures for the dashboard and /metrics. */
export interface BackendRuntime {
  /** The long-lived child's pid (app-server), undefined when none runs. */
  readonly pid: number | undefined;
  /** How often the child was replaced since start. */
  readonly restarts: number;
  /** Codex turns in flight right now. */
  readonly activeTurns: number;
  /** Conversation continuity (app-server only). */
  readonly warmThreads?: WarmThreadStats;
}

export interface AccountStatus {
  /** A usable login exists: ChatGPT signed in, or the configured provider needs no OpenAI auth. */
  readonly usable: boolean;
  readonly problem: string | undefined;
}

/** The dashboard's device-code sign-in, as the backend last saw it. */
export type LoginState =
  | { readonly status: "idle" }
  | { readonly status: "pending"; readonly loginId: string; readonly verificationUrl: string; readonly userCode: string; readonly startedAt: number }
  | { readonly status: "succeeded"; readonly at: number }
  | { readonly status: "failed"; readonly error: string; readonly at: number };

export interface RateLimitWindowInfo {
  readonly usedPercent: number;
  readonly windowMinutes: number | null;
  /** Epoch seconds. */
  readonly resetsAt: number | null;
}

export interface CreditsInfo {
  readonly hasCredits: boolean;
  readonly unlimited: boolean;
  /** As the backend reports it (a decimal string). */
  readonly balance: string | null;
}

/** The plan's usage-limit windows (Codex: primary about 5 hours, secondary weekly) and credits. */
export interface UsageLimits {
  readonly primary: RateLimitWindowInfo | null;
  readonly secondary: RateLimitWindowInfo | null;
  readonly credits: CreditsInfo | null;
}

/** What the dashboard shows about the login: never an email, token or account id. */
export interface AccountDetails {
  /** A usable ChatGPT login (false when it was removed or rejected upstream). */
  readonly signedIn: boolean;
  /** "chatgpt", "apikey", ...; null when not signed in. */
  readonly authMode: string | null;
  readonly planType: string | null;
  readonly rateLimits: { readonly primary: RateLimitWindowInfo | null; readonly secondary: RateLimitWindowInfo | null } | null;
  readonly credits: CreditsInfo | null;
}

/** What a backend can do beyond plain text chat. */
export interface BackendFeatures {
  readonly tools: boolean;
  readonly outputSchema: boolean;
  readonly images: boolean;
  /** Web search at the model service is on (WEB_SEARCH is not `off`). */
  readonly webSearch: boolean;
}

/** Answering chats: what the API routes use. */
export interface ChatBackend {
  readonly name: "app-server" | "exec";
  readonly features: BackendFeatures;
  /** Runs one chat turn; errors surface as BackendError from the iterator. */
  chat(request: ChatTurnRequest): AsyncIterable<ChatEvent>;
}

/** Codex's model catalog: what the adapter's model catalog (aliases, efforts, /v1/models) reads. */
export interface ModelSource {
  listModels(): Promise<readonly ModelInfo[]>;
  /** The model Codex runs when a request names none (from the operator's config), once known. */
  configuredModel(): string | undefined;
}

/** The Codex process: what the service, readiness and the metrics use. */
export interface BackendLifecycle {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): BackendHealth;
  runtime(): BackendRuntime;
  /** The version the running binary reports, e.g. "0.171.0". */
  binaryVersion(): Promise<string>;
}

/** The login, read on demand: what readiness, the dashboard and /v1/usage read. */
export interface AccountService {
  readAccount(): Promise<AccountStatus>;
  accountDetails(): Promise<AccountDetails>;
}

/** What a long-lived Codex connection learns about the login unasked: usage limits and account changes. */
export interface AccountFeed {
  /** The usage limits Codex last reported (pushed during turns or read), without a call; undefined when none yet. */
  usageLimits(): UsageLimits | undefined;
  /** Called after a sign-in completes, a sign-out, or Codex reports another account change; returns an unsubscribe. */
  onAccountChanged(listener: () => void): () => void;
}

/** Signing in and out: what the dashboard's sign-in box and its actions use. */
export interface SignInService {
  /** Starts a device-code sign-in (replacing a pending one); resolves with the URL and code to show. */
  startLogin(): Promise<LoginState>;
  /** Cancels a pending sign-in; nothing happens when none is pending. */
  cancelLogin(): Promise<void>;
  /** The current sign-in attempt; updated when Codex reports its completion. */
  loginState(): LoginState;
  /** Signs Codex out of the dedicated Codex home. */
  logout(): Promise<void>;
}

/**
 * Every role, as the service holds a backend; each consumer depends on the role it uses. The
 * app-server backend plays them all; the exec backend plays chat, lifecycle and account, and is
 * given the rest for what it lacks (missing-roles.ts).
 */
export interface Backend extends ChatBackend, ModelSource, BackendLifecycle, AccountService, AccountFeed, SignInService {}
