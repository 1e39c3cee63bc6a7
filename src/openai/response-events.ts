import type { ChatEvent, TokenUsage, ToolCall } from "../backend/types.ts";
import type { ApiError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { functionCallItem, functionCallItemId, messageItem, responseObject, type FunctionCallItem, type MessageItem, type ResponseMeta, type ResponseObject } from "./response-object.ts";

type TextPart = { type: "output_text"; text: string; annotations: [] };
type InItem = { item_id: string; output_index: number };
type InText = InItem & { content_index: 0 };

/** A Responses stream event before it is numbered. */
type EventBody =
  | { type: "response.created" | "response.in_progress" | "response.completed"; response: ResponseObject }
  | { type: "response.output_item.added" | "response.output_item.done"; output_index: number; item: MessageItem | FunctionCallItem }
  | ({ type: "response.content_part.added" | "response.content_part.done"; part: TextPart } & InText)
  | ({ type: "response.output_text.delta"; delta: string; logprobs: [] } & InText)
  | ({ type: "response.output_text.done"; text: string; logprobs: [] } & InText)
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

/**
 * Translates a turn's adapter events into the Responses event sequence: `response.created`,
 * `response.in_progress`, the message item (added, content part, `response.output_text.delta`s,
 * done) once text comes, function call items (added, arguments, done), then
 * `response.completed` with the whole response and usage. Numbers every event, errors too.
 */
export class ResponseEvents implements StreamTranslator<ResponsesEvent, ResponsesErrorEvent> {
  readonly #meta: ResponseMeta;
  readonly #messageId: string;
  #sequence = 0;
  #outputIndex = 0;
  #messageIndex: number | undefined;
  #text = "";
  #calls: readonly ToolCall[] = [];
  #usage: TokenUsage | undefined;

  constructor(meta: ResponseMeta, messageId: string) {
    this.#meta = meta;
    this.#messageId = messageId;
  }

  start(): ResponsesEvent[] {
    const response = responseObject(this.#meta, undefined);
    return [this.#event({ type: "response.created", response }), this.#event({ type: "response.in_progress", response })];
  }

  event(e: ChatEvent): ResponsesEvent[] {
    if (e.type === "text") return this.#textDelta(e.delta);
    if (e.type === "usage") this.#usage = e.usage;
    if (e.type !== "tool_calls") return [];
    this.#calls = e.calls;
    return [...this.#endText(), ...e.calls.flatMap((call) => this.#call(call))];
  }

  end(): ResponsesEvent[] {
    const output = { messageId: this.#messageId, text: this.#text, calls: this.#calls, usage: this.#usage };
    return [...this.#endText(), this.#event({ type: "response.completed", response: responseObject(this.#meta, output) })];
  }

  error(e: ApiError): ResponsesErrorEvent {
    return { type: "error", sequence_number: this.#sequence++, code: e.code ?? e.type, message: e.message, param: e.param };
  }

  #event(body: EventBody): ResponsesEvent {
    // `type` first, then the number: the key order clients have always seen.
    return Object.assign({ type: body.type, sequence_number: this.#sequence++ }, body);
  }

  #textDelta(delta: string): ResponsesEvent[] {
    const events: ResponsesEvent[] = [];
    if (this.#messageIndex === undefined) {
      this.#messageIndex = this.#outputIndex++;
      const at = { item_id: this.#messageId, output_index: this.#messageIndex, content_index: 0 as const };
      events.push(this.#event({ type: "response.output_item.added", output_index: this.#messageIndex, item: messageItem(this.#messageId, "", "in_progress") }));
      events.push(this.#event({ type: "response.content_part.added", ...at, part: { type: "output_text", text: "", annotations: [] } }));
    }
    this.#text += delta;
    events.push(this.#event({ type: "response.output_text.delta", item_id: this.#messageId, output_index: this.#messageIndex, content_index: 0, delta, logprobs: [] }));
    return events;
  }

  /** Closes the message item, if any text was streamed. */
  #endText(): ResponsesEvent[] {
    const index = this.#messageIndex;
    if (index === undefined) return [];
    this.#messageIndex = undefined;
    const at = { item_id: this.#messageId, output_index: index, content_index: 0 as const };
    return [
      this.#event({ type: "response.output_text.done", ...at, text: this.#text, logprobs: [] }),
      this.#event({ type: "response.content_part.done", ...at, part: { type: "output_text", text: this.#text, annotations: [] } }),
      this.#event({ type: "response.output_item.done", output_index: index, item: messageItem(this.#messageId, this.#text, "completed") }),
    ];
  }

  #call(call: ToolCall): ResponsesEvent[] {
    const index = this.#outputIndex++;
    const at = { item_id: functionCallItemId(call.callId), output_index: index };
    return [
      this.#event({ type: "response.output_item.added", output_index: index, item: functionCallItem(call, "in_progress") }),
      this.#event({ type: "response.function_call_arguments.delta", ...at, delta: call.arguments }),
      this.#event({ type: "response.function_call_arguments.done", ...at, arguments: call.arguments }),
      this.#event({ type: "response.output_item.done", output_index: index, item: functionCallItem(call, "completed") }),
    ];
  }
}

/** The non-streaming answer: the response `response.completed` carries, as a streaming client ends up with it. */
export function foldResponse(events: readonly ResponsesEvent[]): ResponseObject {
  for (const e of events) if (e.type === "response.completed") return e.response;
  throw new Error("foldResponse: no response.completed");
}
