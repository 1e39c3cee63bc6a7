import { textMessage, type OutputFormat, type ParamPath, type TurnMessage, type TurnPart, type TurnRequest } from "../turn/turn-request.ts";
import { ollamaImageUrl } from "./ollama-images.ts";
import type { OllamaChatRequest, OllamaGenerateRequest, OllamaMessage } from "./ollama-request.ts";

/** Ollama's implicit tag: `gpt-5.5:latest` is `gpt-5.5` (Ollama clients add it to names without one). */
export function ollamaModelId(name: string): string {
  return name.endsWith(":latest") ? name.slice(0, -":latest".length) : name;
}

/** `think`: a level is an effort; `false` the least the model offers; `true` or nothing the model's default. */
export function thinkEffort(think: OllamaChatRequest["think"]): string | undefined {
  if (think === false) return "none";
  return typeof think === "string" ? think : undefined;
}

/** The model's reasoning is shown (`thinking`) when `think` asks for it. */
export const showsThinking = (think: OllamaChatRequest["think"]): boolean => think !== undefined && think !== null && think !== false;

/**
 * An `/api/chat` request as a turn request. Ollama's tool messages carry no call ids: they answer
 * the calls of the assistant message before them in order (`resultsByPosition`). A call keeps the
 * `id` the adapter answered it with when the client sends it back (the `ollama` package does),
 * so the history matches the warm thread's; else it is numbered by position (`call_<message>_<k>`).
 */
export function ollamaChatToTurn(body: OllamaChatRequest): TurnRequest {
  const messages: TurnMessage[] = [];
  let open: { readonly ids: readonly string[]; answered: number } | undefined;
  (body.messages ?? []).forEach((m, i) => {
    const message = turnMessage(m, i);
    if (m.role !== "tool") open = message.toolCalls ? { ids: message.toolCalls.map((c) => c.id ?? ""), answered: 0 } : undefined;
    const callId = m.role === "tool" && open ? open.ids[open.answered++] : undefined;
    messages.push(callId ? { ...message, callId } : message);
  });
  return {
    ...common(body, messages, ["messages"]),
    functions: (body.tools ?? []).map((t, i) => ({ name: t.function.name, description: t.function.description, parameters: t.function.parameters, at: ["tools", i] })),
    resultsByPosition: true,
  };
}

/** An `/api/generate` request as a turn request: `system` and `prompt` (with its images) as two messages (`context` and `suffix` are refused before, by OLLAMA_PARAMETERS). */
export function ollamaGenerateToTurn(body: OllamaGenerateRequest): TurnRequest {
  const prompt: TurnMessage = { role: "user", content: [{ type: "text", text: body.prompt ?? "" }, ...ollamaImages(body.images, ["images"])] };
  const messages = [...(body.system ? [{ ...textMessage("system", body.system), at: ["system"] }] : []), prompt];
  return { ...common(body, messages, ["prompt"]), functions: [] };
}

function common(body: OllamaChatRequest | OllamaGenerateRequest, messages: TurnMessage[], messagesAt: ParamPath): Omit<TurnRequest, "functions"> {
  return {
    model: ollamaModelId(body.model),
    effort: thinkEffort(body.think),
    // Ollama streams unless told not to.
    stream: body.stream !== false,
    messages,
    messagesAt,
    toolChoice: undefined,
    parallelToolCalls: true,
    outputFormat: outputFormat(body.format),
    webSearch: undefined,
  };
}

function turnMessage(m: OllamaMessage, i: number): TurnMessage {
  const at = ["messages", i];
  const content: TurnPart[] = [{ type: "text", text: m.content ?? "" }, ...ollamaImages(m.images, [...at, "images"])];
  const toolCalls = (m.tool_calls ?? []).map((c, k) => ({ id: c.id ?? `call_${i}_${k}`, name: c.function.name, arguments: JSON.stringify(c.function.arguments ?? {}) }));
  if (m.role === "tool") return { role: "tool", content, at, ...(m.tool_name ? { name: m.tool_name } : {}) };
  return { role: m.role, content, at, ...(m.role === "assistant" && toolCalls.length ? { toolCalls } : {}) };
}

/** Ollama's `images` as image parts, each naming where it sits (`messages[1].images[0]`). */
function ollamaImages(images: readonly string[] | null | undefined, at: ParamPath): TurnPart[] {
  return (images ?? []).map((image, j) => ({ type: "image", url: ollamaImageUrl(image, [...at, j]), at: [...at, j] }));
}

/** `"json"` is a JSON object (best-effort), a schema the turn's output schema. */
function outputFormat(format: OllamaChatRequest["format"]): OutputFormat | undefined {
  if (!format) return undefined;
  if (format === "json") return { type: "json_object", at: ["format"] };
  return { type: "json_schema", name: undefined, schema: format, strict: true, at: ["format"], schemaAt: ["format"] };
}
