import type { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";

/**
 * How a stand-in answers one model call (`POST …/responses`, or `response.create` over a
 * WebSocket): shared by the custom-provider stand-in and the stand-in ChatGPT backend, so both
 * speak the same Responses events.
 */
export interface Behavior {
  /** Text deltas of the answer, sent in order. */
  readonly deltas?: readonly string[];
  /** Wait before the first byte. */
  readonly firstByteDelayMs?: number;
  /** Wait between deltas. */
  readonly deltaIntervalMs?: number;
  /** Answer with this HTTP status and JSON error body instead of a stream. */
  readonly status?: number;
  readonly errorBody?: object;
  readonly headers?: Readonly<Record<string, string>>;
  readonly usage?: UpstreamUsage;
  /**
   * Destroy the TCP connection after this many text deltas (0: before the first), one
   * `deltaIntervalMs` after the last of them so they reach Codex first; no completion follows.
   */
  readonly dropAfterDeltas?: number;
  /**
   * Write every event in pieces cut inside each multi-byte UTF-8 character, pausing this long
   * between pieces, so the characters really are split across socket writes on their way to Codex.
   */
  readonly splitMultiByteMs?: number;
  /** Answer with these function calls (after any text deltas) instead of ending with a message. */
  readonly functionCalls?: readonly StandInFunctionCall[];
  /**
   * A commentary message first, as the catalog's models write one before tool calls or their
   * answer (a message item with `phase: "commentary"`; the answer's has `phase: "final_answer"`).
   */
  readonly commentary?: readonly string[];
  /** The reasoning summary's parts, sent only to a request that asks for a summary, as the real service does (default DEFAULT_SUMMARY). */
  readonly summary?: readonly string[];
  /**
   * A hosted web search the model runs before it answers, only when the request offers the
   * `web_search` tool (as the real service does): a `web_search_call` item, then the answer cites
   * each source's `cites` (a part of the answer's text) with a `url_citation`.
   */
  readonly webSearch?: StandInWebSearch;
}

export interface StandInWebSearch {
  readonly query: string;
  readonly sources: readonly { readonly url: string; readonly title: string; readonly cites: string }[];
}

/** What a model request asked for that shapes the answer. */
export interface ModelAsk {
  /** `reasoning.summary` is set (and not "none"). */
  readonly summary: boolean;
  /** The hosted `web_search` tool is offered. */
  readonly webSearch: boolean;
}

/** Reads a model request's asks from its body. */
export function askOf(body: {
  readonly reasoning?: { readonly summary?: string | null | undefined } | null | undefined;
  readonly tools?: readonly { readonly type: string }[] | undefined;
}): ModelAsk {
  const summary = body.reasoning?.summary;
  return { summary: typeof summary === "string" && summary !== "none", webSearch: (body.tools ?? []).some((t) => t.type === "web_search") };
}

export const NO_ASK: ModelAsk = { summary: false, webSearch: false };

export const DEFAULT_SUMMARY: readonly string[] = ["Reading the request.", "Writing the answer."];

export interface StandInFunctionCall {
  readonly callId: string;
  readonly name: string;
  /** The arguments as JSON text. */
  readonly arguments: string;
}

export interface UpstreamUsage {
  readonly input_tokens: number;
  readonly cached_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
}

export const DEFAULT_USAGE: UpstreamUsage = { input_tokens: 21, cached_tokens: 3, output_tokens: 7, reasoning_tokens: 2 };

export const DEFAULT_DELTAS: readonly string[] = ["Hello", " from", " the", " stand-in."];

/** One Responses stream event (an SSE `data:` payload, or one WebSocket text message). */
export type ResponsesEvent = { type: string } & Record<string, unknown>;

/** Where an answer goes: the transport writes events and can cut the connection. */
export interface AnswerSink {
  send(event: ResponsesEvent): Promise<void>;
  /** Waits, but no longer than the connection lives. */
  pause(ms: number): Promise<void>;
  /** The peer has gone: stop writing. */
  readonly gone: boolean;
  /** Cuts the connection mid-answer (no completion follows). */
  drop(): void;
}

/**
 * Plays a successful answer (`response.created` … `response.completed`, or a drop) into `sink`:
 * the reasoning summary when asked, a commentary message, the answer's message, then function
 * calls; `n` numbers the ids. True when it reached `response.completed`.
 */
export async function playAnswer(b: Behavior, n: number, sink: AnswerSink, ask: ModelAsk = NO_ASK): Promise<boolean> {
  let outputIndex = 0;
  await sink.send({ type: "response.created", response: { id: `resp_${n}` } });
  if (ask.summary) await playSummary(sink, `rs_${n}`, outputIndex++, b.summary ?? DEFAULT_SUMMARY);
  const search = ask.webSearch ? b.webSearch : undefined;
  if (search) await playWebSearch(sink, `ws_${n}`, outputIndex++, search);
  if (b.commentary?.length) {
    await playMessage(sink, { id: `msg_${n}_c`, phase: "commentary", outputIndex: outputIndex++ }, b.commentary);
  }
  const deltas = b.deltas ?? (b.functionCalls ? [] : ["Hello"]);
  if (deltas.length) {
    const answer: MessageAt = { id: `msg_${n}`, phase: "final_answer", outputIndex: outputIndex++ };
    await sink.send({ type: "response.output_item.added", output_index: answer.outputIndex, item: messageItem(answer, []) });
    for (const [i, delta] of deltas.entries()) {
      if (i > 0 && b.deltaIntervalMs) await sink.pause(b.deltaIntervalMs);
      if (sink.gone) return false;
      if (i === b.dropAfterDeltas) return (sink.drop(), false);
      await sink.send({ type: "response.output_text.delta", item_id: answer.id, output_index: answer.outputIndex, content_index: 0, delta });
    }
    if (b.dropAfterDeltas === undefined || b.dropAfterDeltas < deltas.length) await endMessage(sink, answer, deltas, search ? citations(deltas.join(""), search) : []);
  }
  if (b.dropAfterDeltas !== undefined && b.dropAfterDeltas >= deltas.length) {
    await sink.pause(b.deltaIntervalMs ?? 0);
    return (sink.drop(), false);
  }
  for (const [i, call] of (b.functionCalls ?? []).entries()) {
    const item = { type: "function_call", id: `fc_${n}_${i}`, call_id: call.callId, name: call.name };
    await sink.send({ type: "response.output_item.added", output_index: outputIndex, item: { ...item, arguments: "" } });
    await sink.send({ type: "response.output_item.done", output_index: outputIndex++, item: { ...item, arguments: call.arguments, status: "completed" } });
  }
  const u = b.usage ?? DEFAULT_USAGE;
  await sink.send({
    type: "response.completed",
    response: {
      id: `resp_${n}`,
      usage: {
        input_tokens: u.input_tokens,
        input_tokens_details: { cached_tokens: u.cached_tokens },
        output_tokens: u.output_tokens,
        output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
        total_tokens: u.input_tokens + u.output_tokens,
      },
    },
  });
  return true;
}

interface MessageAt {
  readonly id: string;
  readonly phase: "commentary" | "final_answer";
  readonly outputIndex: number;
}

function messageItem(at: MessageAt, content: object[]): object {
  return { type: "message", id: at.id, role: "assistant", phase: at.phase, content };
}

/** A whole message item: added, its text deltas, done. */
async function playMessage(sink: AnswerSink, at: MessageAt, deltas: readonly string[]): Promise<void> {
  await sink.send({ type: "response.output_item.added", output_index: at.outputIndex, item: messageItem(at, []) });
  for (const delta of deltas) await sink.send({ type: "response.output_text.delta", item_id: at.id, output_index: at.outputIndex, content_index: 0, delta });
  await endMessage(sink, at, deltas);
}

async function endMessage(sink: AnswerSink, at: MessageAt, deltas: readonly string[], annotations: readonly object[] = []): Promise<void> {
  const text = deltas.join("");
  for (const [annotationIndex, annotation] of annotations.entries()) {
    await sink.send({ type: "response.output_text.annotation.added", item_id: at.id, output_index: at.outputIndex, content_index: 0, annotation_index: annotationIndex, annotation });
  }
  await sink.send({ type: "response.output_item.done", output_index: at.outputIndex, item: messageItem(at, [{ type: "output_text", text, annotations }]) });
}

/** The answer's `url_citation`s: each source over the part of the text it cites (absent parts are not cited). */
function citations(text: string, search: StandInWebSearch): object[] {
  return search.sources.flatMap(({ url, title, cites }) => {
    const start = text.indexOf(cites);
    return start < 0 ? [] : [{ type: "url_citation", start_index: start, end_index: start + cites.length, url, title }];
  });
}

/** A hosted web search call, as the Responses API streams it. */
async function playWebSearch(sink: AnswerSink, id: string, outputIndex: number, search: StandInWebSearch): Promise<void> {
  const item = (status: string, action: object) => ({ type: "web_search_call", id, status, action });
  await sink.send({ type: "response.output_item.added", output_index: outputIndex, item: item("in_progress", { type: "search", query: search.query }) });
  for (const phase of ["in_progress", "searching", "completed"]) await sink.send({ type: `response.web_search_call.${phase}`, item_id: id, output_index: outputIndex });
  const sources = search.sources.map(({ url }) => ({ type: "url", url }));
  await sink.send({ type: "response.output_item.done", output_index: outputIndex, item: item("completed", { type: "search", query: search.query, sources }) });
}

/** A reasoning item with its summary, part by part, as the Responses API streams it. */
async function playSummary(sink: AnswerSink, id: string, outputIndex: number, parts: readonly string[]): Promise<void> {
  const item = (summary: object[]) => ({ type: "reasoning", id, summary, encrypted_content: "stand-in-reasoning" });
  await sink.send({ type: "response.output_item.added", output_index: outputIndex, item: item([]) });
  for (const [summaryIndex, text] of parts.entries()) {
    const at = { item_id: id, output_index: outputIndex, summary_index: summaryIndex };
    await sink.send({ type: "response.reasoning_summary_part.added", ...at, part: { type: "summary_text", text: "" } });
    await sink.send({ type: "response.reasoning_summary_text.delta", ...at, delta: text });
    await sink.send({ type: "response.reasoning_summary_text.done", ...at, text });
    await sink.send({ type: "response.reasoning_summary_part.done", ...at, part: { type: "summary_text", text } });
  }
  await sink.send({ type: "response.output_item.done", output_index: outputIndex, item: item(parts.map((text) => ({ type: "summary_text", text }))) });
}

/** A pause that ends early when `closable` emits "close" (so a stand-in notices Codex hanging up). */
export function pauseUntilClose(closable: EventEmitter, isGone: () => boolean, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (isGone()) return resolve();
    const done = () => {
      clearTimeout(timer);
      closable.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    closable.once("close", done);
  });
}

/** Cuts `bytes` after the first byte of every multi-byte UTF-8 character (so each piece but the last ends mid-character). */
export function cutInsideMultiByte(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    // A lead byte of a 2-, 3- or 4-byte sequence: 11xxxxxx.
    if (((bytes[i] ?? 0) & 0xc0) === 0xc0) {
      pieces.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** An SSE answer sink on an HTTP response (the custom-provider stand-in and the ChatGPT backend's HTTP fallback). */
function sseSink(res: ServerResponse, b: Behavior, onDrop: () => void): AnswerSink {
  let gone = false;
  res.on("close", () => (gone = true));
  const pause = (ms: number) => pauseUntilClose(res, () => gone, ms);
  if (b.splitMultiByteMs) res.socket?.setNoDelay(true); // every piece its own TCP segment
  return {
    get gone() {
      return gone;
    },
    pause,
    drop() {
      onDrop();
      res.socket?.destroy(); // mid-answer: no completion, no chunked-encoding terminator
    },
    async send(event) {
      const bytes = Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`, "utf8");
      if (!b.splitMultiByteMs) return void res.write(bytes);
      for (const piece of cutInsideMultiByte(bytes)) {
        if (gone) return;
        res.write(piece);
        await pause(b.splitMultiByteMs);
      }
    },
  };
}

/**
 * Answers one model call over HTTP as `b` says: after `firstByteDelayMs`, either the error status
 * with its JSON body, or an SSE stream. `headers` go on either (the ChatGPT backend's rate-limit headers).
 */
export async function serveSseAnswer(
  res: ServerResponse,
  b: Behavior,
  n: number,
  onDrop: () => void,
  ask: ModelAsk,
  headers: Readonly<Record<string, string>> = {},
): Promise<void> {
  const sink = sseSink(res, b, onDrop);
  if (b.firstByteDelayMs) await sink.pause(b.firstByteDelayMs);
  if (sink.gone) return;
  if (b.status && b.status !== 200) {
    res.writeHead(b.status, { "content-type": "application/json", ...headers, ...b.headers });
    res.end(JSON.stringify(b.errorBody ?? { error: { message: "stand-in error", type: "server_error" } }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", ...headers, ...b.headers });
  if (await playAnswer(b, n, sink, ask)) res.end();
}
