/** The backend contract in the adapter's own terms; the HTTP layer knows nothing of Codex. */

export interface HistoryMessage {
  readonly role: "user" | "assistant";
  readonly text: string;
}

export interface ChatTurnRequest {
  /** Upstream model id, or undefined for Codex's configured default. */
  readonly model: string | undefined;
  /** System and developer messages, joined; reaches the model as developer instructions. */
  readonly instructions: string | undefined;
  /** Earlier conversation, replayed as items before the new turn. */
  readonly history: readonly HistoryMessage[];
  /** The last user message: the input that starts the turn. */
  readonly input: string;
  readonly reasoningEffort: string | undefined;
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

export type ChatEvent =
  | { readonly type: "text"; readonly delta: string }
  | { readonly type: "reasoning"; readonly delta: string }
  | { readonly type: "usage"; readonly usage: TokenUsage }
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

export interface AccountStatus {
  /** A usable login exists: ChatGPT signed in, or the configured provider needs no OpenAI auth. */
  readonly usable: boolean;
  readonly problem: string | undefined;
}

export interface Backend {
  readonly name: "app-server" | "exec";
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): BackendHealth;
  /** Runs one chat turn; errors surface as BackendError from the iterator. */
  chat(request: ChatTurnRequest): AsyncIterable<ChatEvent>;
  listModels(): Promise<readonly ModelInfo[]>;
  /** The model Codex runs when a request names none (from the operator's config), once known. */
  configuredModel(): string | undefined;
  readAccount(): Promise<AccountStatus>;
  /** The version the running binary reports, e.g. "0.169.0". */
  binaryVersion(): Promise<string>;
}
