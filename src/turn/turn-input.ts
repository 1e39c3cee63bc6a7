import { MESSAGE_BREAK, type HistoryItem } from "../backend/types.ts";
import { checkImageUrl } from "./image-input.ts";
import { RequestProblem } from "./request-problem.ts";
import { messageText, type ParamPath, type TurnMessage, type TurnRequest } from "./turn-request.ts";

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

interface Content {
  readonly text: string;
  readonly images: readonly string[];
}

/**
 * Splits the conversation into Codex's shape: system/developer messages become instructions,
 * earlier messages (tool calls and their results included) are history, and the last user
 * message starts the turn; when the conversation ends in tool results, the turn starts from them.
 */
export function turnInput(request: Pick<TurnRequest, "messages" | "messagesAt">, limits: TurnLimits): TurnInput {
  const { messages, messagesAt } = request;
  if (messages.length > limits.maxMessages) {
    throw new RequestProblem(`Too many messages: at most ${limits.maxMessages} are accepted.`, messagesAt, "too_many_messages");
  }
  const contents = messages.map((m) => messageContent(m, messagesAt, limits.maxImageBytes));
  // Replayed tool calls count too: their arguments reach the model as text.
  const total = messages.reduce((sum, m, i) => sum + (contents[i]?.text.length ?? 0) + toolCallsLength(m), 0);
  if (total > limits.maxTotalTextChars) {
    throw new RequestProblem(`The conversation is too long: at most ${limits.maxTotalTextChars} characters in all.`, messagesAt, "text_too_long");
  }

  const answered = new Set(messages.flatMap((m) => (m.role === "tool" && m.callId ? [m.callId] : [])));
  const called = new Set<string>();
  const instructions: string[] = [];
  const conversation: HistoryItem[] = [];
  messages.forEach((m, i) => {
    const { text, images } = contents[i] ?? { text: "", images: [] };
    if (m.role === "system" || m.role === "developer") {
      if (text) instructions.push(text);
    } else if (m.role === "assistant") {
      const calls = (m.toolCalls ?? []).filter((c) => c.id !== undefined && answered.has(c.id));
      const unanswered = (m.toolCalls ?? []).filter((c) => !calls.includes(c));
      // A call without a result cannot be replayed as a function call (the model service wants both); it stays text.
      const said = [text, ...unanswered.map((c) => `Called tool ${c.name}(${c.arguments})`)].filter(Boolean);
      if (said.length) pushAssistant(conversation, said.join("\n"));
      for (const c of calls) {
        called.add(c.id ?? "");
        conversation.push({ type: "tool_call", callId: c.id ?? "", name: c.name, arguments: c.arguments || "{}" });
      }
    } else if (m.role === "tool" && m.callId && called.has(m.callId)) {
      conversation.push({ type: "tool_result", callId: m.callId, output: text });
    } else if (m.role === "tool") {
      const id = m.callId ?? m.name;
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
    throw new RequestProblem("The last message must come from the user (or a tool).", messagesAt);
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

function toolCallsLength(m: TurnMessage): number {
  return (m.toolCalls ?? []).reduce((sum, c) => sum + c.name.length + c.arguments.length, 0);
}

/** A message's text and checked images; a problem names the message's part, or the conversation when the client's messages do not map one to one. */
function messageContent(m: TurnMessage, messagesAt: ParamPath, maxImageBytes: number): Content {
  const images: string[] = [];
  m.content.forEach((part, p) => {
    if (part.type !== "image") return;
    if (m.role !== "user") {
      throw new RequestProblem("Images are accepted in user messages only.", m.at ? [...m.at, "content"] : messagesAt, "unsupported_content");
    }
    images.push(checkImageUrl(part.url, maxImageBytes, part.at ?? (m.at ? [...m.at, "content", p] : messagesAt)));
  });
  return { text: messageText(m), images };
}
