import type { z } from "zod";
import { clip, quote } from "../core/clip.ts";

const TYPES = new Set(["object", "array", "string", "number", "integer", "boolean", "null"]);
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;
const SCHEMA_MAPS = ["properties", "$defs", "definitions", "patternProperties"] as const;
/** A property name in a problem's path is cut to this many characters. */
const NAME_CHARS = 40;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * How deep a JSON value from a client (a schema, a tool call's input) may nest: objects and arrays,
 * the value itself counting one. Codex 0.171.0 drops a JSON-RPC message nested more than 127 levels
 * (serde_json's recursion limit) without answering it, so its call hangs; a function's schema sits
 * 4 levels down in thread/start (123 levels measured to pass, 124 to hang), an output schema 2 in
 * turn/start. The adapter's own JSON.stringify overflows its stack some thousands of levels down.
 */
export const MAX_JSON_DEPTH = 100;
/** One JSON Schema (a function's parameters, an output schema), as JSON. */
export const MAX_SCHEMA_CHARS = 1_000_000;
/**
 * All of a request's tool definitions together, as JSON: more than any model's context holds.
 * Codex's work on a thread's tools grows with them (5 s and 1.7 s of delay to other calls for 30 MB).
 */
export const MAX_TOOLS_CHARS = 4_000_000;

export interface JsonLimits {
  readonly maxDepth?: number;
  readonly maxChars?: number;
}

/**
 * Whether a parsed JSON value nests deeper than `maxDepth` or is longer than about `maxChars`
 * as JSON (strings counted without escapes). Walks without recursion and stops at the first limit
 * passed, so a value 100,000 levels deep costs no stack.
 */
export function jsonLimitProblem(value: unknown, { maxDepth = Infinity, maxChars = Infinity }: JsonLimits): string | undefined {
  const stack: [unknown, number][] = [[value, 1]];
  let chars = 0;
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v === "string") chars += v.length + 2;
    else if (typeof v !== "object" || v === null) chars += String(v).length;
    else {
      if (depth > maxDepth) return `is nested more than ${maxDepth} levels deep (objects and arrays)`;
      const children = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
      chars += 2 + Math.max(0, children.length - 1);
      if (!Array.isArray(v)) for (const key of Object.keys(v)) chars += key.length + 3;
      for (const child of children) stack.push([child, depth + 1]);
    }
    if (chars > maxChars) return `is longer than ${maxChars.toLocaleString("en-US")} characters as JSON`;
  }
  return undefined;
}

/** A zod refinement refusing a value past `limits` (400, `param` naming the field). */
export function withinJsonLimits(limits: JsonLimits) {
  return (value: unknown, ctx: z.RefinementCtx): void => {
    const problem = jsonLimitProblem(value, limits);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  };
}

/** A schema the adapter hands Codex: nested at most MAX_JSON_DEPTH, at most MAX_SCHEMA_CHARS. */
export const SCHEMA_LIMITS: JsonLimits = { maxDepth: MAX_JSON_DEPTH, maxChars: MAX_SCHEMA_CHARS };

/**
 * A structural check of a JSON Schema, enough to turn an obviously broken schema into a
 * clear 400 before Codex and the model service see it. Returns the first problem found; the
 * path it names is cut short (property names come from the client).
 */
export function schemaProblem(schema: unknown, at = "schema"): string | undefined {
  const found = problemAt(schema, at, 0);
  return found && `${clipPath(found.at)} ${found.problem}`;
}

/** A long path keeps its start and its end. */
function clipPath(at: string): string {
  return at.length <= 160 ? at : `${at.slice(0, 60)}…${at.slice(-80)}`.toWellFormed();
}

function problemAt(schema: unknown, at: string, depth: number): { at: string; problem: string } | undefined {
  const found = (problem: string) => ({ at, problem });
  if (depth > 64) return found("is nested too deeply");
  if (typeof schema === "boolean") return undefined;
  if (!isObject(schema)) return found("must be a JSON object");
  const { type, required, items, additionalProperties, enum: values } = schema;
  const types = Array.isArray(type) ? type : type === undefined ? [] : [type];
  for (const t of types) {
    if (typeof t !== "string" || !TYPES.has(t)) return { at: `${at}.type:`, problem: `${quote(String(t))} is not a JSON Schema type` };
  }
  if (required !== undefined && (!Array.isArray(required) || required.some((r) => typeof r !== "string"))) {
    return { at: `${at}.required`, problem: "must be an array of property names" };
  }
  if (values !== undefined && !Array.isArray(values)) return { at: `${at}.enum`, problem: "must be an array" };
  for (const key of SCHEMA_MAPS) {
    const map = schema[key];
    if (map === undefined) continue;
    if (!isObject(map)) return { at: `${at}.${key}`, problem: "must be an object" };
    for (const [name, sub] of Object.entries(map)) {
      const problem = problemAt(sub, `${at}.${key}.${clip(name, NAME_CHARS)}`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const key of SCHEMA_LISTS) {
    const list = schema[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) return { at: `${at}.${key}`, problem: "must be an array of schemas" };
    for (const [i, sub] of list.entries()) {
      const problem = problemAt(sub, `${at}.${key}[${i}]`, depth + 1);
      if (problem) return problem;
    }
  }
  for (const [key, sub] of [["items", items], ["additionalProperties", additionalProperties]] as const) {
    if (sub === undefined) continue;
    const problem = problemAt(sub, `${at}.${key}`, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}
