import type { BackendFeatures, ToolDefinition, WebSearchRequest } from "../backend/types.ts";
import { InvalidRequestError } from "../errors.ts";
import { offeredTools, ONE_CALL_AT_A_TIME } from "./client-tools.ts";
import { outputConstraint } from "./structured-output.ts";
import { turnInput, type TurnInput, type TurnLimits } from "./turn-input.ts";
import type { TurnRequest } from "./turn-request.ts";

/** A turn request checked and translated into what the backend needs, before any slot is taken. */
export interface PreparedTurn extends TurnInput {
  readonly tools: readonly ToolDefinition[];
  readonly outputSchema: object | undefined;
  /** The request's tool results answer a paused turn's calls in order, whatever their ids. */
  readonly resultsByPosition: boolean;
  /** Whether any message carries an image (the model must accept image input). */
  readonly hasImages: boolean;
  readonly webSearch: WebSearchRequest | undefined;
}

/** The preparation every API shares: limits, tools, output format, features the backend lacks. */
export function prepareTurn(request: TurnRequest, limits: TurnLimits, features: BackendFeatures): PreparedTurn {
  const turn = turnInput(request, limits);
  const offered = offeredTools(request.functions, request.toolChoice);
  const output = outputConstraint(request.outputFormat);
  const hasImages = turn.inputImages.length > 0 || turn.history.some((h) => h.type === "user" && h.images.length > 0);
  const { webSearch } = request;
  requireFeatures(features, { tools: offered.tools.length > 0, outputSchema: output.outputSchema !== undefined, images: hasImages, webSearch: webSearch !== undefined });

  const oneCall = !request.parallelToolCalls && offered.tools.length ? ONE_CALL_AT_A_TIME : undefined;
  const extra = [offered.instruction, oneCall, output.instruction].filter((s): s is string => s !== undefined);
  return {
    ...turn,
    instructions: [turn.instructions, ...extra].filter(Boolean).join("\n\n") || undefined,
    tools: offered.tools,
    outputSchema: output.outputSchema,
    resultsByPosition: request.resultsByPosition === true,
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
