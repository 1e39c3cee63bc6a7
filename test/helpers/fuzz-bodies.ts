import fc from "fast-check";
import type { Config } from "../../src/config.ts";
import { chatApi } from "./fuzz-chat-api.ts";
import { bodyText, type HostileEdit, type Verdict } from "./fuzz-hostile.ts";
import { countTokensApi, messagesApi } from "./fuzz-messages-api.ts";
import type { Expectation, Success } from "./fuzz-oracle.ts";
import { ollamaChatApi, ollamaGenerateApi } from "./fuzz-ollama-api.ts";
import { responsesApi } from "./fuzz-responses-api.ts";

export type FuzzLimits = Pick<Config, "maxRequestBodyBytes" | "maxMessages" | "maxTotalTextChars">;

/**
 * Message and text limits small enough that generated bodies cross them often, roomy enough for
 * valid ones; a body limit that holds 100,000 levels of nesting and strings of megabytes.
 */
export const FUZZ_LIMITS: FuzzLimits = { maxRequestBodyBytes: 4_194_304, maxMessages: 8, maxTotalTextChars: 16_000 };

/** FUZZ_LIMITS as the adapter's environment. */
export const FUZZ_ENV: Readonly<Record<string, string>> = {
  MAX_REQUEST_BODY_BYTES: String(FUZZ_LIMITS.maxRequestBodyBytes),
  MAX_MESSAGES: String(FUZZ_LIMITS.maxMessages),
  MAX_TOTAL_TEXT_CHARS: String(FUZZ_LIMITS.maxTotalTextChars),
};

/** What the fuzzer knows of one API: bodies it must answer, near-misses, and what a success looks like. */
export interface FuzzApi {
  /** JSON bodies built to be valid within the limits. */
  valid(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>>;
  /** Ways to break a valid body (a mutation may leave it valid); one to three are applied. */
  mutations(limits: FuzzLimits): fc.Arbitrary<(value: unknown) => unknown>;
  /** A valid body made hostile (deep values, huge strings), each with what the adapter must answer. */
  hostile(limits: FuzzLimits): fc.Arbitrary<HostileEdit>;
  /** What a 200 to this JSON value must look like. */
  success(value: unknown): Success;
}

export interface FuzzRoute {
  readonly path: string;
  readonly api: FuzzApi;
}

/** Every POST route the adapter serves. A new one is one line here. */
export const POST_ROUTES: readonly FuzzRoute[] = [
  { path: "/v1/chat/completions", api: chatApi },
  { path: "/chat/completions", api: chatApi },
  { path: "/v1/responses", api: responsesApi },
  { path: "/responses", api: responsesApi },
  { path: "/v1/messages", api: messagesApi },
  { path: "/messages", api: messagesApi },
  { path: "/v1/messages/count_tokens", api: countTokensApi },
  { path: "/api/chat", api: ollamaChatApi },
  { path: "/api/generate", api: ollamaGenerateApi },
];

/** One generated request. Printed compactly when fast-check reports a counterexample. */
export interface FuzzCase {
  readonly family: Family;
  readonly path: string;
  readonly contentType: string | undefined;
  /** declared: Content-Length set; chunked: a stream in `chunkBytes` pieces; plain: bytes, no header. */
  readonly delivery: "declared" | "chunked" | "plain";
  readonly chunkBytes: number;
  readonly bytes: Uint8Array;
  readonly expect: Expectation;
}

type Family = "valid" | "mutated" | "broken" | "oversized" | "hostile";
export type FuzzMix = "edges" | "mostly-valid";

const MIX_WEIGHTS: Record<FuzzMix, Record<Family, number>> = {
  edges: { valid: 3, mutated: 4, broken: 2, oversized: 1, hostile: 3 },
  /** For the real binary: most bodies should reach Codex. */
  "mostly-valid": { valid: 7, mutated: 3, broken: 1, oversized: 1, hostile: 3 },
};

/** JSON is read whatever the header says; odd ones must not change the answer. */
const CONTENT_TYPES = [
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=latin1",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/octet-stream",
  "text/event-stream",
  "",
] as const;

/** Requests for one route set; `mix` sets how many bodies are valid, broken or oversized. */
export function fuzzCase(limits: FuzzLimits, mix: FuzzMix): fc.Arbitrary<FuzzCase> {
  const w = MIX_WEIGHTS[mix];
  return fc.constantFrom(...POST_ROUTES).chain((route) =>
    fc
      .record({
        body: fc.oneof(
          { weight: w.valid, arbitrary: validBytes(route.api, limits).map((bytes) => ({ family: "valid" as const, bytes, verdict: "answered" as const })) },
          { weight: w.mutated, arbitrary: mutated(route.api, limits).map((v) => ({ family: "mutated" as const, bytes: utf8(bodyText(v)), verdict: "either" as const })) },
          { weight: w.broken, arbitrary: brokenBytes(route.api, limits).map((bytes) => ({ family: "broken" as const, bytes, verdict: "either" as const })) },
          { weight: w.oversized, arbitrary: oversizedBytes(route.api, limits).map((bytes) => ({ family: "oversized" as const, bytes, verdict: "either" as const })) },
          { weight: w.hostile, arbitrary: hostile(route.api, limits).map(({ bytes, verdict }) => ({ family: "hostile" as const, bytes, verdict })) },
        ),
        contentType: fc.constantFrom(...CONTENT_TYPES),
        delivery: fc.constantFrom("declared", "chunked", "plain"),
        chunkBytes: fc.constantFrom(1, 7, 1024, 16_384, 65_536),
      })
      .map(({ body, contentType, delivery, chunkBytes }) =>
        describedCase({
          family: body.family,
          path: route.path,
          contentType,
          delivery,
          chunkBytes: Math.max(chunkBytes, Math.ceil(body.bytes.length / 64)), // at most 64 pieces
          bytes: body.bytes,
          expect: expectationOf(body.bytes, limits, route.api, body.verdict),
        }),
      ),
  );
}

/** A valid body of the API with one hostile edit, and what the adapter must answer to it. */
function hostile(api: FuzzApi, limits: FuzzLimits): fc.Arbitrary<{ bytes: Uint8Array; verdict: Verdict }> {
  return fc.tuple(api.valid(limits), api.hostile(limits)).map(([body, { edit, verdict }]) => ({ bytes: utf8(bodyText(edit(body))), verdict }));
}

/** Valid bodies of the API with one to three mutations applied. */
function mutated(api: FuzzApi, limits: FuzzLimits): fc.Arbitrary<unknown> {
  return fc
    .tuple(api.valid(limits), fc.array(api.mutations(limits), { minLength: 1, maxLength: 3 }))
    .map(([body, steps]) => steps.reduce<unknown>((value, mutate) => mutate(value), body));
}

/** The fetch / app.request init for a case; a fresh stream every call. */
export function fuzzRequest(c: FuzzCase, headers: Record<string, string> = {}): RequestInit {
  const h = new Headers(headers);
  if (c.contentType === undefined) h.delete("content-type");
  else h.set("content-type", c.contentType);
  if (c.delivery === "declared") h.set("content-length", String(c.bytes.length));
  const body = c.delivery === "chunked" ? inPieces(c.bytes, c.chunkBytes) : c.bytes;
  return { method: "POST", headers: h, body, duplex: "half" };
}

/** The expected answer follows from the bytes: size, then a reference JSON reading, then what the body was built to get. */
function expectationOf(bytes: Uint8Array, limits: FuzzLimits, api: FuzzApi, verdict: Verdict): Expectation {
  if (bytes.length > limits.maxRequestBodyBytes) return { kind: "too-large", api: api.success(null).kind };
  const read = readAsJson(bytes);
  if (!read.ok) return { kind: "invalid-json", api: api.success(null).kind };
  const kind = verdict === "answered" ? "success" : verdict === "refused" ? "refused" : "success-or-400";
  return { kind, success: api.success(read.value) };
}

/** The reference reading: strict UTF-8 (a leading BOM is dropped, as RFC 8259 allows) and JSON.parse. */
function readAsJson(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as unknown };
  } catch {
    return { ok: false };
  }
}

/** Valid bodies as bytes, some with a very deep extra field or padded to exactly the size limit. */
function validBytes(api: FuzzApi, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  const json = api.valid(limits).map((v) => bodyText(v));
  return fc.oneof(
    { weight: 6, arbitrary: json.map(utf8) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(json, fc.integer({ min: 1, max: maxDepth(limits) }), fc.constantFrom("[", '{"a":'))
        .map(([text, depth, open]) => utf8(`${text.slice(0, -1)},"nested":${deep(depth, open)}}`)),
    },
    { weight: 1, arbitrary: json.map((text) => padded(utf8(text), limits.maxRequestBodyBytes)) },
  );
}

/** Bytes that are not a JSON body (and a few that are, by chance: those are judged as JSON). */
function brokenBytes(api: FuzzApi, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  const text = api.valid(limits).map((v) => bodyText(v));
  const INVALID_UTF8 = [[0xff], [0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]];
  const JSON5_ISMS = ["{'messages': []}", "{messages: []}", '{"messages": [],}', '/* c */{"messages": []}', '{"n": NaN}', '{"n": 0x10}', '{"n": 01}'];
  return fc.oneof(
    fc.constantFrom("", " ", "\n\t", "null", "[]", "{", "}", '"', "\uFEFF").map(utf8),
    fc.constantFrom(...JSON5_ISMS).map(utf8),
    text.chain((t) => fc.nat({ max: t.length - 1 }).map((cut) => utf8(t.slice(0, cut)))), // truncated
    fc.tuple(text, fc.constantFrom("x", "}", ",", "{}", "\u0000", "//")).map(([t, tail]) => utf8(t + tail)),
    fc.tuple(text, fc.constantFrom(...INVALID_UTF8), fc.nat()).map(([t, bad, at]) => spliced(utf8(t), bad, at)),
    text.map((t) => Buffer.from(t, "utf16le")),
    text.map((t) => utf8(`\uFEFF${t}`)),
    fc.uint8Array({ maxLength: 256 }),
    fc
      .tuple(fc.integer({ min: 1, max: maxDepth(limits) }), fc.constantFrom("[", '{"a":'))
      .map(([depth, open]) => utf8(`{"messages":[{"role":"user","content":${deep(depth, open)}}]}`)),
  );
}

/** Bodies over the size limit (most by little): valid JSON padded, one huge message, or junk. */
function oversizedBytes(api: FuzzApi, limits: FuzzLimits): fc.Arbitrary<Uint8Array> {
  const max = limits.maxRequestBodyBytes;
  const size = fc.oneof(fc.constant(max + 1), fc.integer({ min: max + 2, max: max + 1_048_576 }));
  return fc.oneof(
    fc.tuple(api.valid(limits), size).map(([v, n]) => padded(utf8(bodyText(v)), n)),
    size.map((n) => {
      const head = utf8('{"messages":[{"role":"user","content":"');
      const bytes = Buffer.alloc(n, "x");
      bytes.set(head);
      bytes.set(utf8('"}]}'), n - 4);
      return bytes;
    }),
    fc.tuple(size, fc.constantFrom(0x20, 0x7b, 0xff)).map(([n, fill]) => Buffer.alloc(n, fill)),
  );
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Nesting deep enough to break a recursive reader (up to 100,000 levels), small enough (6 bytes a level at most) to leave room for the rest. */
function maxDepth(limits: FuzzLimits): number {
  return Math.min(100_000, Math.floor(limits.maxRequestBodyBytes / 16));
}

/** `depth` nested arrays or objects around a 0. */
function deep(depth: number, open: "[" | '{"a":'): string {
  return `${open.repeat(depth)}0${(open === "[" ? "]" : "}").repeat(depth)}`;
}

/** The bytes followed by spaces up to `size` (JSON allows trailing whitespace). */
function padded(bytes: Uint8Array, size: number): Uint8Array {
  const out = Buffer.alloc(Math.max(size, bytes.length), 0x20);
  out.set(bytes);
  return out;
}

function spliced(bytes: Uint8Array, insert: readonly number[], at: number): Uint8Array {
  const i = at % (bytes.length + 1);
  return Buffer.concat([bytes.subarray(0, i), Uint8Array.from(insert), bytes.subarray(i)]);
}

function inPieces(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) controller.close();
      else controller.enqueue(bytes.slice(offset, (offset += size)));
    },
  });
}

function describedCase(c: FuzzCase): FuzzCase {
  const head = JSON.stringify(new TextDecoder().decode(c.bytes.subarray(0, 240)));
  const text = `${c.family} POST ${c.path} ${c.delivery} content-type=${String(c.contentType)} ${c.bytes.length} bytes ${head} -> ${c.expect.kind}`;
  return Object.assign(c, { [fc.toStringMethod]: () => text });
}
