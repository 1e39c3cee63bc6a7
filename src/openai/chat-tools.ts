import type { ToolDefinition } from "../backend/types.ts";
import { quote } from "../core/clip.ts";
import { InvalidRequestError } from "../errors.ts";
import type { ToolChoice } from "./chat-request.ts";
import { schemaProblem } from "./json-schema-check.ts";

/** A function tool as the client described it (chat completions and Responses shapes both map here). */
export interface ClientFunction {
  readonly name: string;
  readonly description?: string | null | undefined;
  readonly parameters?: Record<string, unknown> | null | undefined;
}

export interface OfferedTools {
  readonly tools: readonly ToolDefinition[];
  /** A developer instruction standing in for a tool_choice Codex cannot enforce. */
  readonly instruction: string | undefined;
}

const EMPTY_PARAMETERS = { type: "object", properties: {} };

/** Asked for when a client turns parallel calls off: the model's catalog entry lets it call several at once. */
export const ONE_CALL_AT_A_TIME = "Call at most one function at a time, and wait for its result before you call another.";

/**
 * The tools offered to Codex for `tool_choice`. Codex always lets the model choose, so
 * `required` and a named function are asked for in a developer instruction (best-effort);
 * a named function is also the only one offered.
 */
export function offeredTools(functions: readonly ClientFunction[], choice: ToolChoice | null | undefined, param = "tools"): OfferedTools {
  const seen = new Set<string>();
  const tools = functions.map((f, i): ToolDefinition => {
    if (seen.has(f.name)) throw new InvalidRequestError(`Function ${quote(f.name)} is defined twice.`, { param: `${param}[${i}]` });
    seen.add(f.name);
    const parameters = f.parameters ?? EMPTY_PARAMETERS;
    const problem = schemaProblem(parameters, "parameters");
    if (problem) throw new InvalidRequestError(`Invalid parameters schema of function ${quote(f.name)}: ${problem}`, { param: `${param}[${i}]` });
    return { name: f.name, description: f.description ?? "", parameters };
  });
  if (!choice || choice === "auto") return { tools, instruction: undefined };
  if (choice === "none") return { tools: [], instruction: undefined };
  if (!tools.length) throw new InvalidRequestError("tool_choice requires tools.", { param: "tool_choice" });
  if (choice === "required") {
    return { tools, instruction: "You must call at least one of the provided functions before you answer." };
  }
  const named = tools.find((t) => t.name === choice.function.name);
  if (!named) throw new InvalidRequestError(`tool_choice names ${quote(choice.function.name)}, which is not in tools.`, { param: "tool_choice" });
  return { tools: [named], instruction: `You must call the function ${named.name} before you answer.` };
}
