import { InvalidRequestError } from "../errors.ts";
import { MESSAGE_BREAK, type HistoryItem } from "../backend/types.ts";
import type { ChatMessage, ChatRequest } from "./chat-request.ts";
import { checkImageUrl } from "./image-input.ts";

export interface TurnInput {
  readonly instructions: string | undefined;
  readonly history: readonly HistoryItem[];
  readonly input: string;
  readonly inputImages: readonly string[];
}

export interface TurnLimits {
  readonly maxMessages: number;
  readonly maxTotalTextChars: number;
  readonly maxImageBytes: number;
}

const UNSUPPORTED_PARTS: Record<string, string> = {
  input_audio: "Audio input is not supported; send text only.",
  file: "File input is not supported; send the file's text as message content.",
};

interface Content {
  readonly text: string;
  readonly images: readonly string[];
}

/**
 * Splits OpenAI messages into Codex's shape: system/developer messages become instructions,
 * earlier messages (tool calls and their results included) are history, and the last user
 * message starts the turn; when the conversation ends in tool results, the turn starts from them.
 */
export function chatToTurn(request: ChatRequest, limits: TurnLimits): TurnInput {
  const { messages } = request;
  if (messages.length > limits.maxMessages) {
    throw new InvalidRequestError(`Too many messages: at most ${limits.maxMessages} are accepted.`, {
      param: "messages",
      code: "too_many_messages",
    });
  }
  const contents = messages.map((m, i) => messageContent(m, i, limits.maxImageBytes));
  // Replayed tool calls count too: their arguments reach the model as text.
  const total = messages.reduce((sum, m, i) => sum + (contents[i]?.text.length ?? 0) + toolCallsLength(m), 0);
  if (total > limits.maxTotalTextChars) {
    throw new InvalidRequestError(`The conversation is too long: at most ${limits.maxTotalTextChars} characters in all.`, {
      param: "messages",
      code: "text_too_long",
    });
  }

  const answered = new Set(messages.flatMap((m) => (m.role === "tool" && m.tool_call_id ? [m.tool_call_id] : [])));
  const called = new Set<string>();
  const instructions: string[] = [];
  const conversation: HistoryItem[] = [];
  messages.forEach((m, i) => {
    const { text, images } = contents[i] ?? { text: "", images: [] };
    if (m.role === "system" || m.role === "developer") {
      if (text) instructions.push(text);
    } else if (m.role === "assistant") {
      const calls = (m.tool_calls ?? []).filter((c) => c.id !== undefined && answered.has(c.id));
      const unanswered = (m.tool_calls ?? []).filter((c) => !calls.includes(c));
      // A call without a result cannot be replayed as a function call (the model service wants both); it stays text.
      const said = [text, ...unanswered.map((c) => `Called tool ${c.function.name}(${c.function.arguments ?? ""})`)].filter(Boolean);
      if (said.length) pushAssistant(conversation, said.join("\n"));
      for (const c of calls) {
        called.add(c.id ?? "");
        conversation.push({ type: "tool_call", callId: c.id ?? "", name: c.function.name, arguments: c.function.arguments || "{}" });
      }
    } else if (m.role === "tool" && m.tool_call_id && called.has(m.tool_call_id)) {
      conversation.push({ type: "tool_result", callId: m.tool_call_id, output: text });
    } else if (m.role === "tool" || m.role === "function") {
      const id = m.tool_call_id ?? m.name;
      conversation.push({ type: "user", text: `Tool result${id ? ` (${id})` : ""}:\n${text}`, images: [] });
    } else {
      conversation.push({ type: "user", text, images });
    }
  });

  const last = conversation.at(-1);
  if (last?.type === "tool_result") {
    return { instructions: joined(instructions), history: conversation, input: "", inputImages: [] };
  }
  if (last?.type !== "user") {
    throw new InvalidRequestError("The last message must come from the user (or a tool).", { param: "messages" });
  }
  return { instructions: joined(instructions), history: conversation.slice(0, -1), input: last.text, inputImages: last.images };
}

/** Consecutive assistant texts are one answer's messages (commentary, answer): one text, as the conversation key hashes it. */
function pushAssistant(conversation: HistoryItem[], text: string): void {
  const last = conversation.at(-1);
  if (last?.type === "assistant") conversation[conversation.length - 1] = { type: "assistant", text: last.text + MESSAGE_BREAK + text };
  else conversation.push({ type: "assistant", text });
}

const joined = (parts: readonly string[]) => (parts.length ? parts.join("\n\n") : undefined);

function toolCallsLength(m: ChatMessage): number {
  return (m.tool_calls ?? []).reduce((sum, c) => sum + c.function.name.length + (c.function.arguments?.length ?? 0), 0);
}

function messageContent(m: ChatMessage, index: number, maxImageBytes: number): Content {
  if (typeof m.content === "string") return { text: m.content, images: [] };
  if (!m.content) return { text: "", images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  m.content.forEach((part, p) => {
    const param = `messages[${index}].content[${p}]`;
    if (part.type === "text" && "text" in part && typeof part.text === "string") {
      texts.push(part.text);
      return;
    }
    if (part.type === "image_url" && "image_url" in part && m.role === "user") {
      const ref = part.image_url as string | { url: string };
      images.push(checkImageUrl(typeof ref === "string" ? ref : ref.url, maxImageBytes, param));
      return;
    }
    const known = Object.hasOwn(UNSUPPORTED_PARTS, part.type) ? UNSUPPORTED_PARTS[part.type] : undefined;
    const why =
      part.type === "image_url"
        ? "Images are accepted in user messages only."
        : (known ?? `Content part type '${part.type}' is not supported; send text and image_url parts only.`);
    throw new InvalidRequestError(why, { param: `messages[${index}].content`, code: "unsupported_content" });
  });
  return { text: texts.join("\n"), images };
}
