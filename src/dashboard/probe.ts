import { z } from "zod";

/** A prompt small enough to cost next to nothing and answerable by any model. */
const PROBE_BODY = {
  model: "codex-cli-default",
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: "user", content: "Reply with the single word: pong" }],
};

const chunkSchema = z.object({
  choices: z.array(z.object({ delta: z.object({ content: z.string().nullish() }).loose() }).loose()).optional(),
  usage: z.object({ prompt_tokens: z.number(), completion_tokens: z.number() }).loose().nullish(),
  error: z.object({ message: z.string(), code: z.string().nullable() }).loose().optional(),
}).loose();

export interface ProbeResult {
  readonly ok: boolean;
  readonly status: number;
  readonly requestId: string | null;
  readonly totalMs: number;
  readonly firstTokenMs: number | null;
  /** The reply, cut short: this is the operator's own probe, not a client's content. */
  readonly reply: string;
  readonly usage: { promptTokens: number; completionTokens: number } | null;
  readonly error: string | null;
}

/**
 * One tiny streamed completion through the adapter's own front door (auth, queue, telemetry
 * included), so the probe measures what a client would see.
 */
export async function runProbe(dispatch: (request: Request) => Promise<Response>, origin: string, apiKey: string): Promise<ProbeResult> {
  const started = performance.now();
  const since = () => Math.round(performance.now() - started);
  const response = await dispatch(
    new Request(`${origin}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(PROBE_BODY),
    }),
  );
  const requestId = response.headers.get("x-request-id");
  if (!response.ok || !response.body) {
    const body = z.object({ error: z.object({ message: z.string() }).loose() }).loose().safeParse(await response.json().catch(() => null));
    return { ok: false, status: response.status, requestId, totalMs: since(), firstTokenMs: null, reply: "", usage: null, error: body.success ? body.data.error.message : `HTTP ${response.status}` };
  }
  let reply = "";
  let firstTokenMs: number | null = null;
  let usage: ProbeResult["usage"] = null;
  let error: string | null = null;
  const text = await readSse(response.body, (data) => {
    const chunk = chunkSchema.safeParse(parseJson(data));
    if (!chunk.success) return;
    const content = chunk.data.choices?.[0]?.delta.content;
    if (content) {
      firstTokenMs ??= since();
      reply += content;
    }
    if (chunk.data.usage) usage = { promptTokens: chunk.data.usage.prompt_tokens, completionTokens: chunk.data.usage.completion_tokens };
    if (chunk.data.error) error = chunk.data.error.message;
  });
  const done = text.includes("data: [DONE]");
  return { ok: done && error === null, status: response.status, requestId, totalMs: since(), firstTokenMs, reply: reply.slice(0, 200), usage, error: error ?? (done ? null : "the stream ended early") };
}

/** Reads an SSE body to its end, handing each JSON data payload to `onData`; returns the raw text. */
async function readSse(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<string> {
  const decoder = new TextDecoder();
  let raw = "";
  let pending = "";
  for await (const bytes of body) {
    const text = decoder.decode(bytes, { stream: true });
    raw += text;
    pending += text;
    const frames = pending.split("\n\n");
    pending = frames.pop() ?? "";
    for (const frame of frames) {
      const data = frame.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data && data !== "[DONE]") onData(data);
    }
  }
  return raw;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
