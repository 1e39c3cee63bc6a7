import type { WebSearchRequest } from "../backend/types.ts";

/**
 * Where a parameter sits in the client's body, as segments: `["messages", 2, "content", 0]`.
 * Each API's request translator gives the neutral elements the path they came from, so a problem
 * found later names the client's own field (`response_format` in Chat, `text.format` in Responses).
 */
export type ParamPath = readonly (string | number)[];

export type TurnPart =
  | { readonly type: "text"; readonly text: string }
  /** `at`: where the image sits when that is not its message's `content[i]` (Ollama's `images[j]`). */
  | { readonly type: "image"; readonly url: string; readonly at?: ParamPath };

/** A call the model made earlier in the conversation, replayed by the client. */
export interface TurnToolCall {
  readonly id: string | undefined;
  readonly name: string;
  readonly arguments: string;
}

export interface TurnMessage {
  readonly role: "system" | "developer" | "user" | "assistant" | "tool";
  readonly content: readonly TurnPart[];
  /** An assistant message's tool calls. */
  readonly toolCalls?: readonly TurnToolCall[];
  /** A tool message: the call it answers. */
  readonly callId?: string;
  /** A tool message that answers no call by id: what names it (Chat's legacy `function` messages). */
  readonly name?: string;
  /** The client message it came from; absent where the client's messages do not map one to one (problems then name the conversation). */
  readonly at?: ParamPath;
}

/** A function the client offers the model. */
export interface ClientFunction {
  readonly name: string;
  readonly description: string | null | undefined;
  readonly parameters: Record<string, unknown> | null | undefined;
  readonly at: ParamPath;
}

export type ToolChoice = { readonly mode: "none" | "auto" | "required" } | { readonly mode: "function"; readonly name: string };

export type OutputFormat =
  | { readonly type: "text" | "json_object"; readonly at: ParamPath }
  | {
      readonly type: "json_schema";
      readonly name: string | undefined;
      readonly schema: unknown;
      readonly strict: boolean | null | undefined;
      readonly at: ParamPath;
      /** Where the schema itself sits (`response_format.json_schema.schema`, `text.format.schema`). */
      readonly schemaAt: ParamPath;
    };

/**
 * A turn as any API asks for it: what the shared preparation (checks, tools, output format,
 * instructions and history) reads. Each API's request translator produces one.
 */
export interface TurnRequest {
  readonly model: string | undefined;
  readonly effort: string | undefined;
  readonly stream: boolean;
  readonly messages: readonly TurnMessage[];
  /** The client field holding the conversation (`messages`, Responses' `input`). */
  readonly messagesAt: ParamPath;
  readonly functions: readonly ClientFunction[];
  readonly toolChoice: (ToolChoice & { readonly at: ParamPath }) | undefined;
  /** False when the client asked for one tool call at a time. */
  readonly parallelToolCalls: boolean;
  readonly outputFormat: OutputFormat | undefined;
  /** The client asked for web search (Chat's `web_search_options`, the other APIs' search tools). */
  readonly webSearch: WebSearchRequest | undefined;
  /**
   * The client's tool results carry no call ids (Ollama): they answer the calls before them in
   * order, and a paused turn's key leaves call ids out, whatever ids the client gave the calls.
   */
  readonly resultsByPosition?: boolean;
}

/** A message's text parts as one text. */
export function messageText(m: TurnMessage): string {
  return m.content.flatMap((p) => (p.type === "text" ? [p.text] : [])).join("\n");
}

/** A message of text only. */
export function textMessage(role: TurnMessage["role"], text: string): TurnMessage {
  return { role, content: [{ type: "text", text }] };
}
