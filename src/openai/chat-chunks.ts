import { MESSAGE_BREAK, type ChatEvent, type Citation, type TokenUsage, type ToolCall } from "../backend/types.ts";
import type { ApiError, ErrorBody } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { toOpenAIUsage, type OpenAIUsage } from "./usage.ts";

export interface CompletionMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export type FinishReason = "stop" | "tool_calls";

/** A tool call in chat completions' shape. */
export type ToolCallBody = {
  id: string;
  type: "function";
  function: { name: string; arguments: string };
};

/** A source the message cites, in chat completions' shape; the offsets are into the whole `content`. */
export type UrlCitationAnnotation = {
  type: "url_citation";
  url_citation: { start_index: number; end_index: number; title: string; url: string };
};

export interface ChunkDelta {
  role?: "assistant";
  content?: string;
  reasoning_content?: string;
  tool_calls?: (ToolCallBody & { index: number })[];
  annotations?: UrlCitationAnnotation[];
}

export interface ChatChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: null;
  choices: { index: 0; delta: ChunkDelta; logprobs: null; finish_reason: FinishReason | null }[];
  usage?: OpenAIUsage;
}

/**
 * Translates a turn's adapter events into `chat.completion.chunk`s: the role first (the
 * `openai` SDK's stream helper needs it before any content), one chunk per text or reasoning
 * delta, one per tool call, the finish chunk, then with `includeUsage` a usage chunk.
 * Assistant messages (commentary, answer) are one `content`, and summary parts one
 * `reasoning_content`, each later one preceded by MESSAGE_BREAK in the delta that starts it.
 * Web searches are not shown; a message's citations are one `annotations` chunk, their offsets
 * moved from the message's text into the whole `content`.
 */
export class ChatChunks implements StreamTranslator<ChatChunk, ErrorBody> {
  readonly #meta: CompletionMeta;
  readonly #includeUsage: boolean;
  #usage: TokenUsage | undefined;
  #finishReason: FinishReason = "stop";
  readonly #content = new JoinedText();
  readonly #reasoning = new JoinedText();

  constructor(meta: CompletionMeta, options: { includeUsage: boolean }) {
    this.#meta = meta;
    this.#includeUsage = options.includeUsage;
  }

  start(): ChatChunk[] {
    return [this.#delta({ role: "assistant", content: "" })];
  }

  event(e: ChatEvent): ChatChunk[] {
    if (e.type === "message") this.#content.nextPart();
    if (e.type === "reasoning_part") this.#reasoning.nextPart();
    if (e.type === "text") return [this.#delta({ content: this.#content.delta(e.delta) })];
    if (e.type === "reasoning") return [this.#delta({ reasoning_content: this.#reasoning.delta(e.delta) })];
    if (e.type === "citations") return e.citations.length ? [this.#delta({ annotations: e.citations.map((c) => urlCitation(c, this.#content.partStart)) })] : [];
    if (e.type === "usage") this.#usage = e.usage;
    if (e.type !== "tool_calls") return [];
    this.#finishReason = "tool_calls";
    // One whole call per chunk: Codex reports a call once its arguments are complete.
    return e.calls.map((call, index) => this.#delta({ tool_calls: [{ index, ...toolCallBody(call) }] }));
  }

  end(): ChatChunk[] {
    const finish = this.#delta({}, this.#finishReason);
    // Empty choices and the exact usage, only when asked for (`stream_options.include_usage`).
    return this.#includeUsage ? [finish, { ...this.#chunk([]), usage: toOpenAIUsage(this.#usage) }] : [finish];
  }

  error(e: ApiError): ErrorBody {
    return e.toBody();
  }

  #chunk(choices: ChatChunk["choices"]): ChatChunk {
    const { id, created, model } = this.#meta;
    return { id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices };
  }

  #delta(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatChunk {
    return this.#chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
  }
}

/** One text made of parts: a part's first non-empty delta is preceded by MESSAGE_BREAK when text came before it. */
export class JoinedText {
  #started = false;
  #breakPending = false;
  #length = 0;
  /** Where the current part's text begins in the joined text; undefined until its first text. */
  #partStart: number | undefined = 0;

  nextPart(): void {
    this.#breakPending = this.#started;
    this.#partStart = undefined;
  }

  delta(delta: string): string {
    if (!delta) return delta;
    const joined = this.#breakPending ? MESSAGE_BREAK + delta : delta;
    this.#partStart ??= this.#length + joined.length - delta.length;
    this.#length += joined.length;
    this.#started = true;
    this.#breakPending = false;
    return joined;
  }

  /** The offset in the joined text of the current part's text (of its end when it has none yet). */
  get partStart(): number {
    return this.#partStart ?? this.#length;
  }
}

/** A message's citation as an annotation of the whole content, the message's text beginning at `offset`. */
function urlCitation(c: Citation, offset: number): UrlCitationAnnotation {
  return { type: "url_citation", url_citation: { start_index: offset + c.start, end_index: offset + c.end, title: c.title, url: c.url } };
}

export function toolCallBody(call: ToolCall): ToolCallBody {
  return { id: call.callId, type: "function", function: { name: call.name, arguments: call.arguments } };
}
