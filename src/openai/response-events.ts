import type { ChatEvent, Citation, MessagePhase, TokenUsage, ToolCall } from "../backend/types.ts";
import type { ApiError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import {
  functionCallItem,
  functionCallItemId,
  messageItem,
  messageItemId,
  reasoningItemId,
  responseObject,
  urlCitation,
  webSearchCallItem,
  webSearchItemId,
  type OutputItem,
  type ReasoningItem,
  type ResponseMeta,
  type ResponseObject,
  type SummaryText,
  type UrlCitation,
} from "./response-object.ts";

type TextPart = { type: "output_text"; text: string; annotations: UrlCitation[] };
type InItem = { item_id: string; output_index: number };
type InText = InItem & { content_index: 0 };
type InSummary = InItem & { summary_index: number };

/** A Responses stream event before it is numbered. */
type EventBody =
  | { type: "response.created" | "response.in_progress" | "response.completed"; response: ResponseObject }
  | { type: "response.output_item.added" | "response.output_item.done"; output_index: number; item: OutputItem }
  | ({ type: "response.content_part.added" | "response.content_part.done"; part: TextPart } & InText)
  | ({ type: "response.output_text.delta"; delta: string; logprobs: [] } & InText)
  | ({ type: "response.output_text.done"; text: string; logprobs: [] } & InText)
  | ({ type: "response.output_text.annotation.added"; annotation_index: number; annotation: UrlCitation } & InText)
  | ({ type: "response.web_search_call.in_progress" | "response.web_search_call.searching" | "response.web_search_call.completed" } & InItem)
  | ({ type: "response.reasoning_summary_part.added" | "response.reasoning_summary_part.done"; part: SummaryText } & InSummary)
  | ({ type: "response.reasoning_summary_text.delta"; delta: string } & InSummary)
  | ({ type: "response.reasoning_summary_text.done"; text: string } & InSummary)
  | ({ type: "response.function_call_arguments.delta"; delta: string } & InItem)
  | ({ type: "response.function_call_arguments.done"; arguments: string } & InItem);

/** The Responses stream events, as `event:` name and `data:` body (the body's `type` is the name). */
export type ResponsesEvent = EventBody & { sequence_number: number };

export interface ResponsesErrorEvent {
  type: "error";
  sequence_number: number;
  code: string;
  message: string;
  param: string | null;
}

/** The item being streamed: its place in `output`, and what it has so far. */
type OpenMessage = { id: string; index: number; phase: MessagePhase; text: string; annotations: UrlCitation[] };
type OpenReasoning = { id: string; index: number; parts: string[] };
/** A search under way; `codexId` is the backend's id for it. */
type OpenSearch = { codexId: string; id: string; index: number; query: string };

/**
 * Translates a turn's adapter events into the Responses event sequence: `response.created`,
 * `response.in_progress`, then the output items as they come: one message item per assistant
 * message with text (added, content part, `response.output_text.delta`s, done; its own id and
 * phase; its citations as `url_citation` annotations), one reasoning item per run of reasoning
 * (its summary parts, as OpenAI streams them), one `web_search_call` item per search (added, in
 * progress, searching, completed, done), function call items (added, arguments, done), then
 * `response.completed` with the whole response and usage. Numbers every event, errors too.
 */
export class ResponseEvents implements StreamTranslator<ResponsesEvent, ResponsesErrorEvent> {
  readonly #meta: ResponseMeta;
  #sequence = 0;
  /** The finished items; an item opens at index `#output.length` (one is open at a time). */
  readonly #output: OutputItem[] = [];
  #message: OpenMessage | undefined;
  /** The phase of the message whose text comes next (none said: null). */
  #phase: MessagePhase = null;
  #reasoning: OpenReasoning | undefined;
  /** A summary part began after text of the current one: the next reasoning text starts it. */
  #partPending = false;
  #search: OpenSearch | undefined;
  /** The backend ids of the searches that got an item. */
  readonly #searched = new Set<string>();
  #usage: TokenUsage | undefined;

  constructor(meta: ResponseMeta) {
    this.#meta = meta;
  }

  start(): ResponsesEvent[] {
    const response = responseObject(this.#meta, undefined);
    return [this.#event({ type: "response.created", response }), this.#event({ type: "response.in_progress", response })];
  }

  event(e: ChatEvent): ResponsesEvent[] {
    switch (e.type) {
      case "message": {
        const events = this.#endMessage();
        this.#phase = e.phase;
        return events;
      }
      case "text":
        return this.#textDelta(e.delta);
      case "reasoning_part":
        // An open reasoning item has text in its current part (parts open at their first text).
        this.#partPending = this.#reasoning !== undefined;
        return [];
      case "reasoning":
        return this.#summaryDelta(e.delta);
      case "web_search":
        return this.#webSearch(e.id, e.query, e.status);
      case "citations":
        return this.#citations(e.citations);
      case "usage":
        this.#usage = e.usage;
        return [];
      case "tool_calls":
        return [...this.#endMessage(), ...this.#endReasoning(), ...this.#endSearch(), ...e.calls.flatMap((call) => this.#call(call))];
      case "done":
        return [];
    }
  }

  end(): ResponsesEvent[] {
    const closing = [...this.#endMessage(), ...this.#endReasoning(), ...this.#endSearch()];
    const response = responseObject(this.#meta, { items: this.#output, usage: this.#usage });
    return [...closing, this.#event({ type: "response.completed", response })];
  }

  error(e: ApiError): ResponsesErrorEvent {
    return { type: "error", sequence_number: this.#sequence++, code: e.code ?? e.type, message: e.message, param: e.param };
  }

  #event(body: EventBody): ResponsesEvent {
    // `type` first, then the number: the key order clients have always seen.
    return Object.assign({ type: body.type, sequence_number: this.#sequence++ }, body);
  }

  /** Text of the current message; its item opens at the first non-empty delta (a message without text is no item). */
  #textDelta(delta: string): ResponsesEvent[] {
    if (!delta) return [];
    const events = [...this.#endReasoning(), ...this.#endSearch()];
    let message = this.#message;
    if (!message) {
      message = this.#message = { id: messageItemId(), index: this.#output.length, phase: this.#phase, text: "", annotations: [] };
      const at = { item_id: message.id, output_index: message.index, content_index: 0 as const };
      events.push(this.#event({ type: "response.output_item.added", output_index: message.index, item: messageItem(message.id, message.phase, "", "in_progress") }));
      events.push(this.#event({ type: "response.content_part.added", ...at, part: { type: "output_text", text: "", annotations: [] } }));
    }
    message.text += delta;
    events.push(this.#event({ type: "response.output_text.delta", item_id: message.id, output_index: message.index, content_index: 0, delta, logprobs: [] }));
    return events;
  }

  /** Closes the message item, if one is open. */
  #endMessage(): ResponsesEvent[] {
    const message = this.#message;
    if (!message) return [];
    this.#message = undefined;
    const at = { item_id: message.id, output_index: message.index, content_index: 0 as const };
    const item = messageItem(message.id, message.phase, message.text, "completed", message.annotations);
    this.#output.push(item);
    return [
      this.#event({ type: "response.output_text.done", ...at, text: message.text, logprobs: [] }),
      this.#event({ type: "response.content_part.done", ...at, part: { type: "output_text", text: message.text, annotations: [...message.annotations] } }),
      this.#event({ type: "response.output_item.done", output_index: message.index, item }),
    ];
  }

  /** Reasoning text: opens the reasoning item and, at its first text, each summary part. */
  #summaryDelta(delta: string): ResponsesEvent[] {
    if (!delta) return [];
    const events = [...this.#endMessage(), ...this.#endSearch()];
    let reasoning = this.#reasoning;
    if (!reasoning) {
      reasoning = this.#reasoning = { id: reasoningItemId(), index: this.#output.length, parts: [] };
      events.push(this.#event({ type: "response.output_item.added", output_index: reasoning.index, item: { id: reasoning.id, type: "reasoning", summary: [] } }));
    }
    if (this.#partPending || !reasoning.parts.length) {
      events.push(...this.#endPart(reasoning));
      reasoning.parts.push("");
      const part = { type: "summary_text" as const, text: "" };
      events.push(this.#event({ type: "response.reasoning_summary_part.added", ...summaryAt(reasoning), part }));
    }
    this.#partPending = false;
    reasoning.parts[reasoning.parts.length - 1] += delta;
    events.push(this.#event({ type: "response.reasoning_summary_text.delta", ...summaryAt(reasoning), delta }));
    return events;
  }

  /** Closes the current summary part, if any. */
  #endPart(reasoning: OpenReasoning): ResponsesEvent[] {
    const text = reasoning.parts.at(-1);
    if (text === undefined) return [];
    return [
      this.#event({ type: "response.reasoning_summary_text.done", ...summaryAt(reasoning), text }),
      this.#event({ type: "response.reasoning_summary_part.done", ...summaryAt(reasoning), part: { type: "summary_text", text } }),
    ];
  }

  /** Closes the reasoning item, if one is open. */
  #endReasoning(): ResponsesEvent[] {
    const reasoning = this.#reasoning;
    if (!reasoning) return [];
    this.#reasoning = undefined;
    this.#partPending = false;
    const item: ReasoningItem = { id: reasoning.id, type: "reasoning", summary: reasoning.parts.map((text) => ({ type: "summary_text", text })) };
    this.#output.push(item);
    return [...this.#endPart(reasoning), this.#event({ type: "response.output_item.done", output_index: reasoning.index, item })];
  }

  /** The open message's citations, as annotations of its text; with no message open there is nothing to annotate. */
  #citations(citations: readonly Citation[]): ResponsesEvent[] {
    const message = this.#message;
    if (!message) return [];
    return citations.map((c) => {
      const annotation = urlCitation(c);
      message.annotations.push(annotation);
      const at = { item_id: message.id, output_index: message.index, content_index: 0 as const };
      return this.#event({ type: "response.output_text.annotation.added", ...at, annotation_index: message.annotations.length - 1, annotation });
    });
  }

  /** A search is an item of its own: it opens on "searching" (closing the open item) and closes on "completed". */
  #webSearch(codexId: string, query: string, status: "searching" | "completed"): ResponsesEvent[] {
    const open = this.#search?.codexId === codexId;
    // A search seen before: its item is open (or was closed by the next item); only its completion is news.
    if (this.#searched.has(codexId) && (status === "searching" || !open)) return [];
    const events: ResponsesEvent[] = [];
    if (!open) {
      events.push(...this.#endMessage(), ...this.#endReasoning(), ...this.#endSearch());
      const search = (this.#search = { codexId, id: webSearchItemId(codexId), index: this.#output.length, query });
      this.#searched.add(codexId);
      const at = { item_id: search.id, output_index: search.index };
      events.push(
        this.#event({ type: "response.output_item.added", output_index: search.index, item: webSearchCallItem(search.id, query, "in_progress") }),
        this.#event({ type: "response.web_search_call.in_progress", ...at }),
        this.#event({ type: "response.web_search_call.searching", ...at }),
      );
    }
    if (status !== "completed") return events;
    // The query may be known only at the end.
    if (query && this.#search) this.#search.query = query;
    return [...events, ...this.#endSearch()];
  }

  /** Closes the search item, if one is open (a search the turn left unfinished is over too). */
  #endSearch(): ResponsesEvent[] {
    const search = this.#search;
    if (!search) return [];
    this.#search = undefined;
    const item = webSearchCallItem(search.id, search.query, "completed");
    this.#output.push(item);
    return [
      this.#event({ type: "response.web_search_call.completed", item_id: search.id, output_index: search.index }),
      this.#event({ type: "response.output_item.done", output_index: search.index, item }),
    ];
  }

  #call(call: ToolCall): ResponsesEvent[] {
    const index = this.#output.length;
    const at = { item_id: functionCallItemId(call.callId), output_index: index };
    const item = functionCallItem(call, "completed");
    this.#output.push(item);
    return [
      this.#event({ type: "response.output_item.added", output_index: index, item: functionCallItem(call, "in_progress") }),
      this.#event({ type: "response.function_call_arguments.delta", ...at, delta: call.arguments }),
      this.#event({ type: "response.function_call_arguments.done", ...at, arguments: call.arguments }),
      this.#event({ type: "response.output_item.done", output_index: index, item }),
    ];
  }
}

/** Where the current summary part of a reasoning item is. */
function summaryAt(reasoning: OpenReasoning): InSummary {
  return { item_id: reasoning.id, output_index: reasoning.index, summary_index: reasoning.parts.length - 1 };
}

/** The non-streaming answer: the response `response.completed` carries, as a streaming client ends up with it. */
export function foldResponse(events: readonly ResponsesEvent[]): ResponseObject {
  for (const e of events) if (e.type === "response.completed") return e.response;
  throw new Error("foldResponse: no response.completed");
}
