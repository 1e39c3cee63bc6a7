import { schemaProblem } from "./json-schema-check.ts";
import { paramName, RequestProblem } from "./request-problem.ts";
import type { OutputFormat } from "./turn-request.ts";

export interface OutputConstraint {
  /** The JSON Schema for the turn's `outputSchema` (Codex applies it strictly). */
  readonly outputSchema: object | undefined;
  /** A developer instruction where a schema cannot express the request. */
  readonly instruction: string | undefined;
}

const NONE: OutputConstraint = { outputSchema: undefined, instruction: undefined };

/**
 * The requested output format as a turn constraint. `json_schema` becomes the turn's output
 * schema. `json_object` has no schema: Codex sends schemas in strict mode, where a free-form
 * object is not expressible, so it is an instruction (best-effort).
 */
export function outputConstraint(format: OutputFormat | undefined): OutputConstraint {
  if (!format || format.type === "text") return NONE;
  if (format.type !== "json_schema") {
    return { outputSchema: undefined, instruction: "Answer with one valid JSON object and nothing else: no prose, no code fences." };
  }
  const { schema } = format;
  if (schema === undefined) throw new RequestProblem("json_schema.schema is required.", format.schemaAt);
  const problem = schemaProblem(schema) ?? rootProblem(schema);
  if (problem) throw new RequestProblem(`Invalid JSON Schema in ${paramName(format.at)}: ${problem}.`, format.schemaAt, "invalid_json_schema");
  return { outputSchema: schema as object, instruction: undefined };
}

function rootProblem(schema: unknown): string | undefined {
  const type = (schema as { type?: unknown }).type;
  return type === "object" ? undefined : "the root of the schema must have \"type\": \"object\"";
}
