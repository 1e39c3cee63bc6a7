/**
 * The soak's request mix and the stand-in's answers. Both are pure functions of the request's
 * index, so every run sends the same mix and each answer can be checked against its request
 * (a crossed answer between concurrent turns would show as a mismatch).
 */
import type { Behavior, ReceivedRequest } from "../test/helpers/stand-in-upstream.ts";
import type { ChatBody } from "./client.ts";

export interface SoakRequest {
  readonly index: number;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly body: ChatBody;
}

/** Prompt padding in characters: a one-liner up to a long pasted document. */
const PROMPT_SIZES = [0, 400, 4_000, 20_000] as const;
const DELTA_INTERVAL_MS = 5;
const MARKER = /\[soak (\d+)\]/;

/** A small deterministic PRNG (mulberry32) seeded by the index. */
function random(seed: number): () => number {
  let a = seed * 2654435761;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function soakRequest(index: number): SoakRequest {
  const next = random(index + 1);
  const stream = next() < 0.5;
  const includeUsage = stream && next() < 0.2;
  const padding = "lorem ipsum ".repeat(Math.ceil((PROMPT_SIZES[Math.floor(next() * PROMPT_SIZES.length)] ?? 0) / 12));
  const prompt = `[soak ${index}] Summarize this for the soak test.\n${padding}`;
  // One request in five carries instructions and an earlier exchange (thread/inject_items).
  const messages =
    next() < 0.2
      ? [
          { role: "system", content: "Answer briefly." },
          { role: "user", content: "Earlier question." },
          { role: "assistant", content: "Earlier answer." },
          { role: "user", content: prompt },
        ]
      : [{ role: "user", content: prompt }];
  const body: ChatBody = includeUsage ? { messages, stream_options: { include_usage: true } } : { messages };
  return { index, stream, includeUsage, body };
}

/** The answer the stand-in streams for request `index`: 4 to 12 deltas that name the request. */
export function answerDeltas(index: number): string[] {
  const count = 4 + (index % 9);
  return [`soak-${index}`, ...Array.from({ length: count - 1 }, (_, i) => ` word${i}`)];
}

export function expectedAnswer(index: number): string {
  return answerDeltas(index).join("");
}

/** Stand-in behavior: answers each model call with the deltas of the request whose marker it carries. */
export function soakBehavior(req: ReceivedRequest): Behavior {
  const texts = (req.body.input ?? []).flatMap((item) => (item.role === "user" ? (item.content ?? []) : [])).map((c) => c.text ?? "");
  const marker = texts.map((t) => MARKER.exec(t)?.[1]).findLast((m) => m !== undefined);
  return { deltas: marker === undefined ? ["no soak marker"] : answerDeltas(Number(marker)), deltaIntervalMs: DELTA_INTERVAL_MS };
}
