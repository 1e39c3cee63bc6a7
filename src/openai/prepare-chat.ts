import type { BackendFeatures, ToolDefinition, WebSearchRequest } from "../backend/types.ts";
import { InvalidRequestError } from "../errors.ts";
import type { ChatRequest } from "./chat-request.ts";
import { chatToTurn, type TurnInput, type TurnLimits } from "./chat-to-turn.ts";
import { offeredTools, ONE_CALL_AT_A_TIME, type ClientFunction } from "./chat-tools.ts";
import { CHAT_PARAMETERS, rejectUnsupported } from "./parameters.ts";
import { outputConstraint } from "./structured-output.ts";
import { webSearchRequest } from "./web-search.ts";
import { findContinuation, waitingKey, type Continuation, type TurnSettings } from "./tool-continuation.ts";

/** A chat request checked and translated into what the backend needs, before any slot is taken. */
export interface PreparedChat extends TurnInput {
  readonly tools: readonly ToolDefinition[];
  readonly outputSchema: object | undefined;
  /** The request may continue a turn that waits for these tool results. */
  readonly continuation: Continuation | undefined;
  /** The key under which a turn paused by this request is kept. */
  pauseKey(callIds: readonly string[]): string;
  /** Whether any message carries an image (the model must accept image input). */
  readonly hasImages: boolean;
  /** The client asked for web search (`web_search_options`; the other APIs' search tools map to it). */
  readonly webSearch: WebSearchRequest | undefined;
}

export function prepareChat(body: ChatRequest, limits: TurnLimits, features: BackendFeatures): PreparedChat {
  rejectUnsupported(body, CHAT_PARAMETERS);
  const turn = chatToTurn(body, limits);
  const functions = (body.tools ?? []).map((t, i): ClientFunction => {
    if (t.type !== "function" || !("function" in t)) {
      throw new InvalidRequestError(`Tool type '${t.type}' is not supported; only function tools are.`, { param: `tools[${i}]` });
    }
    return t.function as ClientFunction;
  });
  const offered = offeredTools(functions, body.tool_choice);
  const output = outputConstraint(body.response_format, "response_format");
  const hasImages = turn.inputImages.length > 0 || turn.history.some((h) => h.type === "user" && h.images.length > 0);
  const webSearch = body.web_search_options ? webSearchRequest(body.web_search_options) : undefined;
  requireFeatures(features, { tools: offered.tools.length > 0, outputSchema: output.outputSchema !== undefined, images: hasImages, webSearch: webSearch !== undefined });

  const settings: TurnSettings = { model: body.model, tools: body.tools ?? [], toolChoice: body.tool_choice ?? null, responseFormat: body.response_format ?? null };
  const oneCall = body.parallel_tool_calls === false && offered.tools.length ? ONE_CALL_AT_A_TIME : undefined;
  const extra = [offered.instruction, oneCall, output.instruction].filter((s): s is string => s !== undefined);
  return {
    ...turn,
    instructions: [turn.instructions, ...extra].filter(Boolean).join("\n\n") || undefined,
    tools: offered.tools,
    outputSchema: output.outputSchema,
    continuation: offered.tools.length ? findContinuation(body.messages, settings) : undefined,
    pauseKey: (callIds) => waitingKey(body.messages, settings, callIds),
    hasImages,
    webSearch,
  };
}

function requireFeatures(features: BackendFeatures, used: BackendFeatures): void {
  if (used.webSearch && !features.webSearch) {
    throw new InvalidRequestError("Web search is off on this adapter: its operator turns it on with WEB_SEARCH=live or cached (app-server backend). Ask without web search.", {
      code: "web_search_unavailable",
    });
  }
  const missing = (["tools", "outputSchema", "images"] as const).filter((k) => used[k] && !features[k]);
  if (!missing.length) return;
  const what = { tools: "function calling", outputSchema: "structured output (json_schema)", images: "image input" };
  throw new InvalidRequestError(`${missing.map((k) => what[k]).join(", ")} needs the app-server backend (CODEX_BACKEND=app-server).`, {
    code: "unsupported_by_backend",
  });
}
