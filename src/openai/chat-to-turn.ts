import { InvalidRequestError } from "../errors.ts";
import type { HistoryMessage } from "../backend/types.ts";
import type { ChatMessage, ChatRequest } from "./chat-request.ts";

export interface TurnInput {
  readonly instructions: string | undefined;
  readonly history: readonly HistoryMessage[];
  readonly input: string;
}

export interface TurnLimits {
  readonly maxMessages: number;
  readonly maxTotalTextChars: number;
}

const UNSUPPORTED_PARTS: Record<string, string> = {
  image_url: "Image input is not supported yet; send text only.",
  input_audio: "Audio input is not supported; send text only.",
  file: "File input is not supported; send the file's text as message content.",
};

/**
 * Splits OpenAI messages into Codex's shape: system/developer messages become instructions,
 * everything before the last user message is history, the last user message starts the turn.
 */
export function chatToTurn(request: ChatRequest, limits: TurnLimits): TurnInput {
  const { messages } = request;
  if (request.n != null && request.n !== 1) {
    throw new InvalidRequestError("Only n=1 is supported.", { param: "n" });
  }
  if (messages.length > limits.maxMessages) {
    throw new InvalidRequestError(`Too many messages: at most ${limits.maxMessages} are accepted.`, {
      param: "messages",
      code: "too_many_messages",
    });
  }
  // Replayed tool calls count too: their arguments reach the model as text.
  const texts = messages.map((m, i) => messageText(m, i) || (m.role === "assistant" ? describeToolCalls(m) : ""));
  const total = texts.reduce((sum, t) => sum + t.length, 0);
  if (total > limits.maxTotalTextChars) {
    throw new InvalidRequestError(`Messages are too long: at most ${limits.maxTotalTextChars} characters in all.`, {
      param: "messages",
      code: "text_too_long",
    });
  }

  const instructions: string[] = [];
  const conversation: HistoryMessage[] = [];
  messages.forEach((m, i) => {
    const text = texts[i] ?? "";
    if (m.role === "system" || m.role === "developer") {
      if (text) instructions.push(text);
    } else if (m.role === "assistant") {
      conversation.push({ role: "assistant", text });
    } else if (m.role === "tool" || m.role === "function") {
      conversation.push({ role: "user", text: `Tool result${m.tool_call_id ? ` (${m.tool_call_id})` : ""}:\n${text}` });
    } else {
      conversation.push({ role: "user", text });
    }
  });

  const last = conversation.at(-1);
  if (!last || last.role !== "user") {
    throw new InvalidRequestError("The last message must come from the user (or a tool).", { param: "messages" });
  }
  return {
    instructions: instructions.length ? instructions.join("\n\n") : undefined,
    history: conversation.slice(0, -1),
    input: last.text,
  };
}

function messageText(m: ChatMessage, index: number): string {
  if (typeof m.content === "string") return m.content;
  if (!m.content) return "";
  const texts: string[] = [];
  for (const part of m.content) {
    if (part.type === "text" && "text" in part && typeof part.text === "string") {
      texts.push(part.text);
      continue;
    }
    const known = Object.hasOwn(UNSUPPORTED_PARTS, part.type) ? UNSUPPORTED_PARTS[part.type] : undefined;
    const why = known ?? `Content part type '${part.type}' is not supported; send text parts only.`;
    throw new InvalidRequestError(why, { param: `messages[${index}].content`, code: "unsupported_content" });
  }
  return texts.join("\n");
}

/** Until client tools are supported, earlier tool calls are replayed as plain assistant text. */
function describeToolCalls(m: ChatMessage): string {
  return (m.tool_calls ?? []).map((c) => `Called tool ${c.function.name}(${c.function.arguments ?? ""})`).join("\n");
}
