import type { ToolDefinition } from "../backend/types.ts";
import { quote } from "../core/clip.ts";
import { schemaProblem } from "./json-schema-check.ts";
import { RequestProblem } from "./request-problem.ts";
import type { ClientFunction, TurnRequest } from "./turn-request.ts";

export interface OfferedTools {
  readonly tools: readonly ToolDefinition[];
  /** A developer instruction standing in for a tool choice Codex cannot enforce. */
  readonly instruction: string | undefined;
}

const EMPTY_PARAMETERS = { type: "object", properties: {} };

/** Asked for when a client turns parallel calls off: the model's catalog entry lets it call several at once. */
export const ONE_CALL_AT_A_TIME = "Call at most one function at a time, and wait for its result before you call another.";

/**
 * The tools offered to Codex for the tool choice. Codex always lets the model choose, so
 * `required` and a named function are asked for in a developer instruction (best-effort);
 * a named function is also the only one offered.
 */
export function offeredTools(functions: readonly ClientFunction[], choice: TurnRequest["toolChoice"]): OfferedTools {
  const seen = new Set<string>();
  const tools = functions.map((f): ToolDefinition => {
    if (seen.has(f.name)) throw new RequestProblem(`Function ${quote(f.name)} is defined twice.`, f.at);
    seen.add(f.name);
    const parameters = f.parameters ?? EMPTY_PARAMETERS;
    const problem = schemaProblem(parameters, "parameters");
    if (problem) throw new RequestProblem(`Invalid parameters schema of function ${quote(f.name)}: ${problem}`, f.at);
    return { name: f.name, description: f.description ?? "", parameters };
  });
  if (!choice || choice.mode === "auto") return { tools, instruction: undefined };
  if (choice.mode === "none") return { tools: [], instruction: undefined };
  if (!tools.length) throw new RequestProblem("tool_choice requires tools.", choice.at);
  if (choice.mode !== "function") {
    return { tools, instruction: "You must call at least one of the provided functions before you answer." };
  }
  const named = tools.find((t) => t.name === choice.name);
  if (!named) throw new RequestProblem(`tool_choice names ${quote(choice.name)}, which is not in tools.`, choice.at);
  return { tools: [named], instruction: `You must call the function ${named.name} before you answer.` };
}
