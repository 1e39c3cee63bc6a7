/** Plain-fetch client for the adapter: every request has a timeout, nothing leaves 127.0.0.1. */

const REQUEST_TIMEOUT_MS = 30_000;

export interface Target {
  readonly url: string;
  readonly apiKey: string;
}

export interface Outcome {
  readonly ok: boolean;
  readonly ms: number;
  /** HTTP status, or 0 when the request failed before a response. */
  readonly status: number;
  readonly problem: string | undefined;
  /** The `error.code` of an error body or error chunk, if any. */
  readonly code: string | undefined;
  /** The answer's content (joined deltas when streaming). */
  readonly text: string;
}

export interface StreamOutcome extends Outcome {
  /** From request start to the first chunk with non-empty `delta.content`; undefined if none came. */
  readonly ttftMs: number | undefined;
  readonly contentDeltas: number;
  /** A chunk with `usage` came (sent only for `stream_options.include_usage`). */
  readonly sawUsage: boolean;
}

/** The JSON body of a chat completion request, without `stream`. */
export type ChatBody = Record<string, unknown>;

const PROMPT: ChatBody = { messages: [{ role: "user", content: "Say hello to the benchmark." }] };

function headers(apiKey: string): Record<string, string> {
  return { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json" };
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.name === "TimeoutError" ? "timed out" : `${err.name}: ${err.message}`;
  return String(err);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** `choices[0].message.content` (non-streaming) or `choices[0].delta.content` (a chunk). */
function choiceText(body: unknown, key: "message" | "delta"): string | undefined {
  if (!isRecord(body) || !Array.isArray(body.choices)) return undefined;
  const choice: unknown = body.choices[0];
  if (!isRecord(choice)) return undefined;
  const part = choice[key];
  if (!isRecord(part)) return undefined;
  return typeof part.content === "string" ? part.content : undefined;
}

function errorOf(body: unknown): { message: string; code: string | undefined } | undefined {
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const { message, code } = body.error;
  return { message: typeof message === "string" ? message : "error", code: typeof code === "string" ? code : undefined };
}

/** One non-streaming chat completion. */
export async function completion(target: Target, request: ChatBody = PROMPT): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${target.url}/v1/chat/completions`, {
      method: "POST",
      headers: headers(target.apiKey),
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body: unknown = await res.json();
    const ms = performance.now() - started;
    const text = choiceText(body, "message") ?? "";
    if (res.status === 200 && text) return { ok: true, ms, status: res.status, problem: undefined, code: undefined, text };
    const error = errorOf(body);
    return { ok: false, ms, status: res.status, problem: error?.message ?? "no content in the answer", code: error?.code, text };
  } catch (err) {
    return { ok: false, ms: performance.now() - started, status: 0, problem: describe(err), code: undefined, text: "" };
  }
}

/** One non-streaming Ollama chat (`/api/chat`, `stream: false`): the same turn in Ollama's terms. */
export async function ollamaChat(target: Target, request: ChatBody): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(`${target.url}/api/chat`, {
      method: "POST",
      headers: headers(target.apiKey),
      body: JSON.stringify({ ...request, stream: false }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body: unknown = await res.json();
    const ms = performance.now() - started;
    const message = isRecord(body) && isRecord(body.message) ? body.message : undefined;
    const text = typeof message?.content === "string" ? message.content : "";
    if (res.status === 200 && text) return { ok: true, ms, status: res.status, problem: undefined, code: undefined, text };
    const problem = isRecord(body) && typeof body.error === "string" ? body.error : "no content in the answer";
    return { ok: false, ms, status: res.status, problem, code: undefined, text };
  } catch (err) {
    return { ok: false, ms: performance.now() - started, status: 0, problem: describe(err), code: undefined, text: "" };
  }
}

/** One streaming chat completion, read to the end; counts the content deltas. */
export async function streamingCompletion(target: Target, request: ChatBody = PROMPT): Promise<StreamOutcome> {
  const started = performance.now();
  let ttftMs: number | undefined;
  let contentDeltas = 0;
  let text = "";
  let problem: string | undefined;
  let code: string | undefined;
  let sawUsage = false;
  let sawDone = false;
  let status = 0;
  try {
    const res = await fetch(`${target.url}/v1/chat/completions`, {
      method: "POST",
      headers: headers(target.apiKey),
      body: JSON.stringify({ ...request, stream: true }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    status = res.status;
    if (res.status !== 200 || !res.body) {
      const error = errorOf(await res.json().catch(() => undefined));
      problem = error?.message ?? `HTTP ${res.status}`;
      code = error?.code;
    } else {
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let boundary: number;
        while ((boundary = buffer.indexOf("\n\n")) >= 0) {
          const event = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          for (const line of event.split("\n")) {
            if (!line.startsWith("data:")) continue; // comments are keep-alives
            const data = line.slice(5).trim();
            if (data === "[DONE]") {
              sawDone = true;
              continue;
            }
            let chunk: unknown;
            try {
              chunk = JSON.parse(data);
            } catch {
              problem ??= "a chunk was not JSON";
              continue;
            }
            const delta = choiceText(chunk, "delta");
            if (delta) {
              ttftMs ??= performance.now() - started;
              contentDeltas += 1;
              text += delta;
            }
            if (isRecord(chunk) && isRecord(chunk.usage)) sawUsage = true;
            const error = errorOf(chunk);
            if (error && problem === undefined) {
              problem = error.message;
              code = error.code;
            }
          }
        }
      }
      if (!sawDone) problem ??= "the stream ended without [DONE]";
    }
  } catch (err) {
    problem ??= describe(err);
  }
  const ms = performance.now() - started;
  return { ok: problem === undefined && contentDeltas > 0, ms, status, problem, code, text, ttftMs, contentDeltas, sawUsage };
}

/** Polls GET /healthz until it answers 200; false when `timeoutMs` passes first. */
export async function waitHealthy(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
