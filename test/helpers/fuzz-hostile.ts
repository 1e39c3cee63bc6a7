import fc from "fast-check";
import { MAX_JSON_DEPTH } from "../../src/turn/json-schema-check.ts";

/**
 * Input as an attacker sends it (issue 18): JSON nested 50 to 100,000 levels, strings of up to
 * megabytes, lone surrogates. Each API's generator places them (`FuzzApi.hostile`); what the
 * adapter must answer is stated with each edit. A deep value is written as text when the body is
 * serialised (`bodyText`): JSON.stringify itself overflows its stack some thousands of levels down.
 */

/** How a deep value nests: plain arrays, plain objects, or a JSON Schema through `properties`. */
export type Nesting = "array" | "object" | "schema";

/** A JSON value nested `levels` deep (objects and arrays counted, the value itself one), kept as a marker until `bodyText`. */
export class DeepJson {
  constructor(
    readonly levels: number,
    readonly nesting: Nesting,
  ) {}

  toJSON(): string {
    return `${MARK}${this.levels}~${this.nesting}${MARK}`;
  }
}

const MARK = "~~fuzz-deep~";
const MARKED = new RegExp(`"${MARK}(\\d+)~(array|object|schema)${MARK}"`, "g");

/** The JSON text of a value: JSON.stringify, with each DeepJson written out. */
export function bodyText(value: unknown): string {
  const text = JSON.stringify(value) as string | undefined;
  return (text ?? "").replace(MARKED, (_, levels: string, nesting: Nesting) => deepText(Number(levels), nesting));
}

/** `levels` levels of the nesting around a scalar (a schema ends in a string or array-of-strings schema to get the count exact). */
export function deepText(levels: number, nesting: Nesting): string {
  if (nesting === "array") return `${"[".repeat(levels)}0${"]".repeat(levels)}`;
  if (nesting === "object") return `${'{"a":'.repeat(levels)}0${"}".repeat(levels)}`;
  const steps = Math.floor((Math.max(levels, 1) - 1) / 2);
  const inner = levels % 2 === 1 ? '{"type":"string"}' : '{"type":"array","items":{"type":"string"}}';
  return `${'{"type":"object","properties":{"a":'.repeat(steps)}${inner}${"}}".repeat(steps)}`;
}

/** Depths 50 to 100,000: most around the limits (the adapter's 100, Codex's 123), some far past them. */
const levels = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 50, max: 130 }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000, 10_000, 100_000) },
  { weight: 2, arbitrary: fc.integer({ min: 131, max: 100_000 }) },
);

/** A deep array or object (a schema nesting is cut at 20,000 levels: 37 bytes a step). */
export const deepJson: fc.Arbitrary<DeepJson> = fc
  .tuple(levels, fc.constantFrom<Nesting>("array", "object", "schema"))
  .map(([n, nesting]) => new DeepJson(nesting === "schema" ? Math.min(n, 20_000) : n, nesting));

/** A deep value as a JSON Schema would hold it, and how deep the schema it sits in is. */
export interface DeepSchema {
  readonly schema: Record<string, unknown>;
  readonly levels: number;
}

/** A function's parameters with a deep part: a property's schema (nested through `properties`) or an unknown keyword. */
export const deepSchema: fc.Arbitrary<DeepSchema> = deepJson.map((deep) =>
  deep.nesting === "schema"
    ? { schema: { type: "object", properties: { a: deep } }, levels: deep.levels + 2 }
    : { schema: { type: "object", x: deep }, levels: deep.levels + 1 },
);

/** Whether the adapter refuses a schema this deep (docs/api.md, Limits). */
export const tooDeep = (n: number): boolean => n > MAX_JSON_DEPTH;

/** What the adapter must answer to a valid body with one hostile edit. */
export type Verdict = "refused" | "answered" | "either";

export interface HostileEdit {
  readonly edit: (body: unknown) => unknown;
  /** refused: a 400 in the API's shape; answered: a success; either: one of the two. */
  readonly verdict: Verdict;
}

/** Pieces a huge string repeats, lone surrogates and characters that escape to 6 bytes among them. */
const HUGE_PIECES = ["x", "lorem ipsum ", "\uD800", "\uDC00", "\u{1F600}", "é", "\u202E", "\u0000", '"', "\\"];

/**
 * A string of 1,024 UTF-16 units (over every cap, which zod counts in code points: 512 of them at
 * least) up to a few megabytes (whose JSON still fits in `maxBytes`, mostly), cut anywhere: even inside a pair.
 */
export function hugeText(maxBytes: number): fc.Arbitrary<string> {
  return fc.constantFrom(...HUGE_PIECES).chain((piece) => {
    const bytesPerUnit = (new TextEncoder().encode(JSON.stringify(piece)).length - 2) / piece.length;
    const most = Math.max(70_000, Math.floor((0.9 * maxBytes) / bytesPerUnit));
    return fc
      .oneof(fc.integer({ min: 1024, max: 4096 }), fc.integer({ min: 4097, max: 65_536 }), fc.integer({ min: 65_537, max: most }))
      .map((units) => piece.repeat(Math.ceil(units / piece.length)).slice(0, units));
  });
}

/** A plain object's own fields, or none. */
export function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The body's array field with `item` added at the end (a field that is not an array becomes `[item]`). */
export function appended(body: unknown, key: string, item: unknown): unknown {
  const fields = fieldsOf(body);
  const list: unknown = fields[key];
  return { ...fields, [key]: [...(Array.isArray(list) ? (list as unknown[]) : []), item] };
}

/** The body's array field with its last element replaced by `edit(last)`; unchanged when it is not a non-empty array. */
export function atLast(body: unknown, key: string, edit: (item: unknown) => unknown): unknown {
  const fields = fieldsOf(body);
  const list: unknown = fields[key];
  if (!Array.isArray(list) || list.length === 0) return body;
  const items = (list as unknown[]).slice();
  items[items.length - 1] = edit(items[items.length - 1]);
  return { ...fields, [key]: items };
}
