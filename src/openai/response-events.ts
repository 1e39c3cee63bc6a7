import type { ToolCall } from "../backend/types.ts";
import { functionCallItem, functionCallItemId, messageItem, responseObject, type ResponseMeta, type ResponseOutput } from "./response-object.ts";

type Event = Record<string, unknown> & { type: string };

/**
 * The Responses streaming event sequence: `response.created`, `response.in_progress`, the
 * message item (added, content part, `response.output_text.delta`s, done), function call
 * items (added, arguments, done), then `response.completed` with usage. Numbers each event.
 */
export class ResponseEvents {
  readonly #meta: ResponseMeta;
  readonly #messageId: string;
  #sequence = 0;
  #outputIndex = 0;
  #messageIndex: number | undefined;
  #text = "";

  constructor(meta: ResponseMeta, messageId: string) {
    this.#meta = meta;
    this.#messageId = messageId;
  }

  #event(type: string, body: Record<string, unknown>): Event {
    return { type, sequence_number: this.#sequence++, ...body };
  }

  start(): Event[] {
    const response = responseObject(this.#meta, undefined);
    return [this.#event("response.created", { response }), this.#event("response.in_progress", { response })];
  }

  text(delta: string): Event[] {
    const events: Event[] = [];
    if (this.#messageIndex === undefined) {
      this.#messageIndex = this.#outputIndex++;
      const at = { item_id: this.#messageId, output_index: this.#messageIndex };
      events.push(this.#event("response.output_item.added", { output_index: this.#messageIndex, item: messageItem(this.#messageId, "", "in_progress") }));
      events.push(this.#event("response.content_part.added", { ...at, content_index: 0, part: { type: "output_text", text: "", annotations: [] } }));
    }
    this.#text += delta;
    events.push(this.#event("response.output_text.delta", { item_id: this.#messageId, output_index: this.#messageIndex, content_index: 0, delta, logprobs: [] }));
    return events;
  }

  /** Closes the message item, if any text was streamed. */
  #endText(): Event[] {
    const index = this.#messageIndex;
    if (index === undefined) return [];
    this.#messageIndex = undefined;
    const at = { item_id: this.#messageId, output_index: index, content_index: 0 };
    return [
      this.#event("response.output_text.done", { ...at, text: this.#text, logprobs: [] }),
      this.#event("response.content_part.done", { ...at, part: { type: "output_text", text: this.#text, annotations: [] } }),
      this.#event("response.output_item.done", { output_index: index, item: messageItem(this.#messageId, this.#text, "completed") }),
    ];
  }

  calls(calls: readonly ToolCall[]): Event[] {
    const events = this.#endText();
    for (const call of calls) {
      const index = this.#outputIndex++;
      const at = { item_id: functionCallItemId(call.callId), output_index: index };
      events.push(this.#event("response.output_item.added", { output_index: index, item: functionCallItem(call, "in_progress") }));
      events.push(this.#event("response.function_call_arguments.delta", { ...at, delta: call.arguments }));
      events.push(this.#event("response.function_call_arguments.done", { ...at, arguments: call.arguments }));
      events.push(this.#event("response.output_item.done", { output_index: index, item: functionCallItem(call, "completed") }));
    }
    return events;
  }

  completed(output: ResponseOutput): Event[] {
    return [...this.#endText(), this.#event("response.completed", { response: responseObject(this.#meta, { ...output, messageId: this.#messageId }) })];
  }

  error(body: { message: string; type: string; param: string | null; code: string | null }): Event {
    return this.#event("error", { code: body.code ?? body.type, message: body.message, param: body.param });
  }
}
