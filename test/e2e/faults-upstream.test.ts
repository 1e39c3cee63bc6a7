import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authHeaders, startE2E, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { cutInsideMultiByte, type Behavior } from "../helpers/stand-in-upstream.ts";

// Upstream 429 (plain and before a stream), 401, 400, 404, a silent first byte with keep-alives and
// the request timeout are in upstream-errors.test.ts; these are the faults in the middle of an answer.

let e2e: E2E;
before(async () => {
  e2e = await startE2E({
    env: { SSE_KEEPALIVE_SECONDS: "1", CODEX_REQUEST_TIMEOUT_SECONDS: "30" },
    // Codex's own retry limits (4 requests, 5 stream reconnects by default), cut down so a persistent fault ends in a second.
    providerSettings: ["request_max_retries = 1", "stream_max_retries = 2"],
  });
  await waitHealthy(e2e);
});
after(() => e2e.close());

type ErrorBody = { error: { message: string; type: string; code: string | null } };
type Completion = { choices: { message: { content: string } }[] };
type Chunk = { choices: { delta: { content?: string } }[] };

const chat = (body: object) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });

/** The first upstream call behaves as `first`, later ones (Codex's retries) as `then`. */
function firstThen(first: Behavior, then: Behavior): void {
  let calls = 0;
  e2e.upstream.behave(() => (++calls === 1 ? first : then));
}

const responsesCalls = () => e2e.upstream.modelCalls.length;

/** A stream as a sequence: "ka" for a keep-alive comment, the content of each chunk, the error code, or "[DONE]". */
function sequence(text: string): string[] {
  const out: string[] = [];
  for (const event of text.split("\n\n").filter(Boolean)) {
    if (event.startsWith(": keep-alive")) out.push("ka");
    else if (event === "data: [DONE]") out.push("[DONE]");
    else {
      const frame = JSON.parse(event.slice("data: ".length)) as Partial<Chunk & ErrorBody>;
      if (frame.error) out.push(`error:${frame.error.code}`);
      else if (frame.choices?.[0]?.delta.content) out.push(frame.choices[0].delta.content);
    }
  }
  // Several keep-alives in one silence count once.
  return out.filter((e, i) => !(e === "ka" && out[i - 1] === "ka"));
}

test("the upstream drops the connection before the first delta: Codex reconnects and the client gets the answer once", async () => {
  firstThen({ deltas: ["never"], dropAfterDeltas: 0 }, { deltas: ["whole ", "answer"] });
  const before = responsesCalls();
  const res = await chat({ stream: true });
  assert.equal(res.status, 200);
  assert.deepEqual(sequence(await res.text()), ["whole ", "answer", "[DONE]"]);
  assert.equal(responsesCalls() - before, 2, "Codex reconnected once");
  assert.equal(e2e.upstream.droppedConnections > 0, true);
});

test("the upstream drops the connection mid-answer: the stream ends with one upstream_error frame, never repeating what was sent", async () => {
  // Codex would reconnect and start the answer again: the client would read "a b a b c d".
  firstThen({ deltas: ["a ", "b ", "c ", "d "], deltaIntervalMs: 200, dropAfterDeltas: 2 }, { deltas: ["a ", "b ", "c ", "d "] });
  const res = await chat({ stream: true });
  assert.equal(res.status, 200);
  const text = await res.text();
  assert.deepEqual(sequence(text), ["a ", "b ", "error:upstream_error"]);
  const error = parseSse(text).data.map((d) => JSON.parse(d) as Partial<ErrorBody>).find((f) => f.error)?.error;
  assert.match(error?.message ?? "", /broke off midway.*retry the request/);
  assert.equal(e2e.service.limiter.stats().active, 0);
});

test("the same drop under a non-streaming request is a 502, not a doubled answer", async () => {
  firstThen({ deltas: ["a ", "b ", "c ", "d "], deltaIntervalMs: 200, dropAfterDeltas: 2 }, { deltas: ["a ", "b ", "c ", "d "] });
  const res = await chat({});
  assert.equal(res.status, 502);
  assert.equal(((await res.json()) as ErrorBody).error.code, "upstream_error");
});

test("a slow upstream (first byte and a pause mid-answer both longer than the keep-alive interval): keep-alives in each silence, the answer intact", async () => {
  // The stream opens after one keep-alive interval without an event (1 s) and its first keep-alive is due
  // 1-1.25 s later: a first byte at 3 s leaves it a clear second, not a race with Codex's own few milliseconds.
  e2e.upstream.behave({ deltas: ["slow ", "but ", "sure"], firstByteDelayMs: 3000, deltaIntervalMs: 2000 });
  const res = await chat({ stream: true, stream_options: { include_usage: true } });
  assert.equal(res.status, 200);
  assert.deepEqual(sequence(await res.text()), ["ka", "slow ", "ka", "but ", "ka", "sure", "[DONE]"]);
});

test("a single upstream 500 is retried by Codex: the client sees an ordinary answer", async () => {
  firstThen({ status: 500 }, { deltas: ["after ", "a 500"] });
  const before = responsesCalls();
  const res = await chat({});
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as Completion).choices[0]?.message.content, "after a 500");
  assert.equal(responsesCalls() - before, 2);
});

test("an upstream that keeps answering 500: once Codex's retries run out, 502 upstream_error (plain) or one error frame (stream)", async () => {
  e2e.upstream.behave({ status: 500, errorBody: { error: { type: "server_error", message: "stand-in is down" } } });
  const plain = await chat({});
  assert.equal(plain.status, 502);
  const body = (await plain.json()) as ErrorBody;
  assert.equal(body.error.code, "upstream_error");
  assert.equal(body.error.type, "upstream_error");

  const streamed = await chat({ stream: true });
  // The stream opened after the keep-alive interval while Codex retried; the failure arrives as a frame.
  assert.equal(streamed.status, 200);
  const seq = sequence(await streamed.text());
  assert.equal(seq.at(-1), "error:upstream_error");
  assert.ok(!seq.includes("[DONE]"));
  assert.deepEqual(e2e.service.limiter.stats().active, 0);
});

test("an upstream 429 before a stream: a plain 429 with Retry-After and the upstream asked once (no hidden retries)", async () => {
  e2e.upstream.behave({
    status: 429,
    headers: { "retry-after": "7" },
    errorBody: { error: { type: "rate_limit_exceeded", code: "rate_limit_exceeded", message: "Rate limit reached" } },
  });
  const before = responsesCalls();
  const res = await chat({ stream: true });
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get("retry-after")) > 0);
  assert.equal(((await res.json()) as ErrorBody).error.code, "upstream_rate_limit");
  assert.equal(responsesCalls() - before, 1);
});

// 2-, 3- and 4-byte characters, and grapheme clusters (ZWJ emoji, combining accent, flag) cut across deltas.
const MULTI_BYTE_DELTAS = ["Grüße, ", "日本語の", "テキスト。", "👩", "\u200d💻 ", "e", "\u0301 ", "🇯", "🇵 ", "中文🎉", "終"];
const MULTI_BYTE_TEXT = MULTI_BYTE_DELTAS.join("");

test("multi-byte characters cut across the upstream's socket writes and across deltas arrive intact, streamed and plain", async () => {
  // The stand-in really cuts inside characters: every piece but the last ends mid-character.
  const pieces = cutInsideMultiByte(Buffer.from(MULTI_BYTE_TEXT, "utf8"));
  assert.ok(pieces.length > 20);
  assert.ok(pieces.slice(0, -1).every((p) => !isCompleteUtf8(p)));

  e2e.upstream.behave({ deltas: MULTI_BYTE_DELTAS, splitMultiByteMs: 5 });
  const res = await chat({ stream: true });
  assert.equal(res.status, 200);
  // Read the adapter's bytes as a client with tiny reads would: one byte at a time through a streaming, strict decoder.
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let text = "";
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    for (let i = 0; i < r.value.length; i += 1) text += decoder.decode(r.value.subarray(i, i + 1), { stream: true });
  }
  text += decoder.decode();
  const { data } = parseSse(text);
  assert.equal(data.at(-1), "[DONE]");
  const content = data.slice(0, -1).map((d) => (JSON.parse(d) as Chunk).choices[0]?.delta.content ?? "");
  assert.equal(content.join(""), MULTI_BYTE_TEXT);
  assert.ok(!text.includes("\uFFFD"));

  e2e.upstream.behave({ deltas: MULTI_BYTE_DELTAS, splitMultiByteMs: 5 });
  const plain = await chat({});
  const bytes = new Uint8Array(await plain.arrayBuffer());
  const body = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Completion;
  assert.equal(body.choices[0]?.message.content, MULTI_BYTE_TEXT);
});

function isCompleteUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
