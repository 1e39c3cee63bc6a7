import { randomUUID } from "node:crypto";
import { MESSAGE_BREAK, type ChatEvent, type Citation, type TokenUsage } from "../backend/types.ts";
import type { ApiError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { anthropicError, type AnthropicErrorBody } from "./anthropic-error.ts";
import {
  emptyMessage,
  toAnthropicUsage,
  type AnthropicUsage,
  type ContentOut,
  type MessageObject,
  type StopReason,
  type WebSearchCitation,
  type WebSearchResult,
} from "./message-object.ts";

type BlockDelta =
  | { type: "text_delta"; text: string }
  | { type: "thinking_delta"; thinking: string }
  | { type: "input_json_delta"; partial_json: string }
  | { type: "citations_delta"; citation: WebSearchCitation };

/** The Messages stream events, as `event:` name and `data:` body (the body's `type` is the name). */
export type MessagesEvent =
  | { type: "message_start"; message: MessageObject }
  | { type: "content_block_start"; index: number; content_block: ContentOut }
  | { type: "content_block_delta"; index: number; delta: BlockDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason: StopReason; stop_sequence: null }; usage: AnthropicUsage }
  | { type: "message_stop" };

export interface MessageMeta {
  readonly id: string;
  /** The id the client asked for, echoed back. */
  readonly model: string;
  /** Whether reasoning is shown as `thinking` blocks (the client asked for thinking and did not omit it). */
  readonly thinking: boolean;
  /** The adapter's request id, which Anthropic's error bodies carry. */
  readonly requestId: string;
}

/** A web search of the answer: its `server_tool_use` id, whether that block was sent, whether the search ended. */
type Search = { id: string; shown: boolean; completed: boolean };

/**
 * Translates a turn's adapter events into the Messages event sequence: `message_start`, one
 * text block per assistant message, one thinking block per run of reasoning (its summary parts
 * joined by MESSAGE_BREAK) and one block per tool call, then `message_delta` (stop reason,
 * usage) and `message_stop`. Pure apart from its own position in the sequence.
 *
 * A web search is a `server_tool_use` block, followed by its `web_search_tool_result` block.
 * The results are known only from the citations of the message written after the search, so
 * once a search completes the events are held back until those citations come (or the next
 * message after text, tool calls or the end); then the result blocks are sent and the held
 * events played, the message's text block carrying its citations as `citations_delta`s.
 */
export class MessageEvents implements StreamTranslator<MessagesEvent, AnthropicErrorBody> {
  readonly #meta: MessageMeta;
  #index = -1;
  /** The open block; a block opens at its first non-empty delta, so an open block has text. */
  #open: "text" | "thinking" | undefined;
  /** A summary part began after thinking text: its first delta starts with MESSAGE_BREAK. */
  #thinkingBreakPending = false;
  #usage: TokenUsage | undefined;
  #calledTools = false;
  /** The text of the current assistant message, which its citations' offsets are into. */
  #messageText = "";
  /** The answer's searches by the backend's id. */
  readonly #searches = new Map<string, Search>();
  /** Completed searches whose result block waits for the citations. */
  #pending: Search[] = [];
  /** The events held back since a search completed; undefined when nothing is held. */
  #held: ChatEvent[] | undefined;

  constructor(meta: MessageMeta) {
    this.#meta = meta;
  }

  start(): MessagesEvent[] {
    return [{ type: "message_start", message: emptyMessage(this.#meta.id, this.#meta.model) }];
  }

  event(e: ChatEvent): MessagesEvent[] {
    const held = this.#held;
    if (!held) return this.#event(e);
    // A message that begins after text began closes the message written after the search.
    if (e.type === "citations" || e.type === "tool_calls" || (e.type === "message" && held.some((h) => h.type === "text" && h.delta !== ""))) {
      // The held events may complete another search and hold again: `e` is then judged anew.
      return [...this.#release(e.type === "citations" ? e.citations : []), ...this.event(e)];
    }
    held.push(e);
    return [];
  }

  #event(e: ChatEvent): MessagesEvent[] {
    if (e.type === "message") {
      this.#messageText = "";
      return this.#open === "text" ? this.#close() : [];
    }
    if (e.type === "web_search") return this.#webSearch(e.id, e.query, e.status);
    if (e.type === "citations") return this.#citations(e.citations);
    if (e.type === "text") this.#messageText += e.delta;
    if (e.type === "reasoning_part") this.#thinkingBreakPending = this.#open === "thinking";
    // An empty delta opens no block: clients echo blocks back, and an empty text block is refused.
    if (e.type === "text") return e.delta ? this.#delta("text", { type: "text_delta", text: e.delta }) : [];
    if (e.type === "reasoning") return this.#meta.thinking ? this.#thinking(e.delta) : [];
    if (e.type === "usage") this.#usage = e.usage;
    if (e.type !== "tool_calls") return [];
    this.#calledTools = true;
    return [
      ...this.#endSearches(),
      ...this.#close(),
      ...e.calls.flatMap((call): MessagesEvent[] => {
        const index = ++this.#index;
        return [
          { type: "content_block_start", index, content_block: { type: "tool_use", id: call.callId, name: call.name, input: {} } },
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments } },
          { type: "content_block_stop", index },
        ];
      }),
    ];
  }

  end(): MessagesEvent[] {
    const events: MessagesEvent[] = [];
    while (this.#held) events.push(...this.#release([]));
    const usage = toAnthropicUsage(this.#usage, this.#searches.size);
    return [
      ...events,
      ...this.#endSearches(),
      ...this.#close(),
      { type: "message_delta", delta: { stop_reason: this.#calledTools ? "tool_use" : "end_turn", stop_sequence: null }, usage },
      { type: "message_stop" },
    ];
  }

  error(e: ApiError): AnthropicErrorBody {
    return anthropicError(e, this.#meta.requestId).body;
  }

  /** A search's `server_tool_use` block, sent once its query is known; its completion starts holding events back. */
  #webSearch(codexId: string, query: string, status: "searching" | "completed"): MessagesEvent[] {
    let search = this.#searches.get(codexId);
    if (!search) this.#searches.set(codexId, (search = { id: `srvtoolu_${codexId || randomUUID().replaceAll("-", "")}`, shown: false, completed: false }));
    if (search.completed) return [];
    const events = !search.shown && (query || status === "completed") ? this.#searchUse(search, query) : [];
    if (status === "completed") {
      search.completed = true;
      this.#pending.push(search);
      this.#held ??= [];
    }
    return events;
  }

  #searchUse(search: Search, query: string): MessagesEvent[] {
    search.shown = true;
    const closing = this.#close();
    const index = ++this.#index;
    return [
      ...closing,
      { type: "content_block_start", index, content_block: { type: "server_tool_use", id: search.id, name: "web_search", input: {} } },
      { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: JSON.stringify({ query }) } },
      { type: "content_block_stop", index },
    ];
  }

  /** Ends holding back: the pending searches' result blocks (the sources `citations` name), then the held events. */
  #release(citations: readonly Citation[]): MessagesEvent[] {
    const held = this.#held ?? [];
    this.#held = undefined;
    const content = searchResults(citations);
    const events = this.#pending.splice(0).flatMap((search) => this.#searchResult(search, content));
    for (const e of held) events.push(...this.event(e));
    return events;
  }

  #searchResult(search: Search, content: readonly WebSearchResult[]): MessagesEvent[] {
    const closing = this.#close();
    const index = ++this.#index;
    return [
      ...closing,
      { type: "content_block_start", index, content_block: { type: "web_search_tool_result", tool_use_id: search.id, content: [...content] } },
      { type: "content_block_stop", index },
    ];
  }

  /** Searches the turn left unfinished (it called tools or ended): their blocks, with no results. */
  #endSearches(): MessagesEvent[] {
    return [...this.#searches.values()]
      .filter((s) => !s.completed)
      .flatMap((s) => {
        s.completed = true;
        return [...(s.shown ? [] : this.#searchUse(s, "")), ...this.#searchResult(s, [])];
      });
  }

  /** The current message's citations, inside its open text block; with no text block open there is nothing to cite in. */
  #citations(citations: readonly Citation[]): MessagesEvent[] {
    if (this.#open !== "text") return [];
    return citations.map((c) => ({
      type: "content_block_delta",
      index: this.#index,
      delta: { type: "citations_delta", citation: { type: "web_search_result_location", cited_text: this.#messageText.slice(c.start, c.end), url: c.url, title: c.title, encrypted_index: "" } },
    }));
  }

  #thinking(delta: string): MessagesEvent[] {
    if (!delta) return [];
    const thinking = this.#thinkingBreakPending ? MESSAGE_BREAK + delta : delta;
    this.#thinkingBreakPending = false;
    return this.#delta("thinking", { type: "thinking_delta", thinking });
  }

  #delta(kind: "text" | "thinking", delta: BlockDelta): MessagesEvent[] {
    const events: MessagesEvent[] = [];
    if (this.#open !== kind) {
      events.push(...this.#close());
      this.#open = kind;
      const block: ContentOut = kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
      events.push({ type: "content_block_start", index: ++this.#index, content_block: block });
    }
    events.push({ type: "content_block_delta", index: this.#index, delta });
    return events;
  }

  #close(): MessagesEvent[] {
    if (!this.#open) return [];
    this.#open = undefined;
    this.#thinkingBreakPending = false;
    return [{ type: "content_block_stop", index: this.#index }];
  }
}

/** Folds the event sequence into the message it describes: the non-streaming answer, built from the same translator. */
export function foldMessage(events: readonly MessagesEvent[]): MessageObject {
  let message: MessageObject | undefined;
  const json = new Map<number, string>();
  for (const e of events) {
    if (e.type === "message_start") message = { ...e.message, content: [] };
    if (!message) continue;
    if (e.type === "content_block_start") message.content[e.index] = { ...e.content_block };
    else if (e.type === "content_block_delta") {
      const block = message.content[e.index];
      if (block?.type === "text" && e.delta.type === "text_delta") block.text += e.delta.text;
      else if (block?.type === "text" && e.delta.type === "citations_delta") (block.citations ??= []).push(e.delta.citation);
      else if (block?.type === "thinking" && e.delta.type === "thinking_delta") block.thinking += e.delta.thinking;
      else if (e.delta.type === "input_json_delta") json.set(e.index, (json.get(e.index) ?? "") + e.delta.partial_json);
    } else if (e.type === "content_block_stop") {
      const block = message.content[e.index];
      if (block?.type === "tool_use" || block?.type === "server_tool_use") block.input = parsedInput(json.get(e.index) ?? "");
    } else if (e.type === "message_delta") {
      message.stop_reason = e.delta.stop_reason;
      message.usage = e.usage;
    }
  }
  if (!message) throw new Error("foldMessage: no message_start");
  return message;
}

/** A search's results as the citations show them: each cited page once, in citation order. */
function searchResults(citations: readonly Citation[]): WebSearchResult[] {
  const pages = new Map<string, string>();
  for (const c of citations) if (!pages.has(c.url)) pages.set(c.url, c.title);
  return [...pages].map(([url, title]) => ({ type: "web_search_result", url, title, encrypted_content: "", page_age: null }));
}

/** The model's arguments as an object; text that is not a JSON object is kept under `input` rather than lost. */
export function parsedInput(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : { input: value };
  } catch {
    return { input: text };
  }
}
