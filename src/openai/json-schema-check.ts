const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties"] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A structural check of a JSON Schema, enough to turn an obviously broken schema into a
 * clear 400 before Codex and the model service see it. Returns the first problem found.
 */
export function schemaProblem(schema: unknown, at = "schema", depth = 0): string | undefined {
  if (depth > 64) return `${at} is nested too deeply`;
  if (typeof schema === "boolean") return undefined;
  if (!isObject(schema)) return `${at} must be a JSON object`;
  const { type, required, items, additionalProperties, enum: values } = schema;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  for (const t of types) if (typeof t !== "string" || !TYPES.has(t)) return `${at}.type: '${String(t)}' is not a JSON Schema type`;
  if (required !== undefined && (!Array.isArray(required) || required.some((r) => typeof r !== "string"))) {
    return `${at}.required must be an array of property names`;
  }
  if (values !== undefined && !Array.isArray(values)) return `${at}.enum must be an array`;
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (map === undefined) continue;
    if (!isObject(map)) return `${at}.${key} must be an object`;
    for (const [name, sub] of Object.entries(map)) {
      const problem = schemaProblem(sub, `${at}.${key}.${name}`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const key of SCHEMA_LISTS) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return `${at}.${key} must be an array of schemas`;
    for (const [i, sub] of list.entries()) {
      const problem = schemaProblem(sub, `${at}.${key}[${i}]`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const [key, sub] of [["items", items], ["additionalProperties", additionalProperties]] as const) {
    if (sub === undefined) continue;
    const problem = schemaProblem(sub, `${at}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
