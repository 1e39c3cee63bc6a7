import { randomUUID } from "node:crypto";
import { Hono, type Context } from "hono";
import { stream } from "hono/streaming";
import type { ChatEvent } from "../../backend/types.ts";
import { ApiError, ClientGoneError, TimeoutError, UnavailableError } from "../../errors.ts";
import { ChunkBuilder, type CompletionMeta } from "../../openai/chat-chunks.ts";
import { collectCompletion } from "../../openai/chat-completion.ts";
import { chatRequestSchema } from "../../openai/chat-request.ts";
import { chatToTurn } from "../../openai/chat-to-turn.ts";
import { DEFAULT_MODEL_ALIAS } from "../../openai/model-catalog.ts";
import type { AppDeps } from "../../app.ts";
import type { AppEnv } from "../app-env.ts";
import { toApiError } from "../backend-errors.ts";
import { readJson } from "../read-json.ts";
import { observeTurn } from "../observe-turn.ts";
import type { RequestTrace } from "../request-trace.ts";
import { SseWriter } from "../sse-writer.ts";

/** How long a stream whose turn was aborted may take to deliver its last frames. */
const STALLED_STREAM_GRACE_MS = 5000;

type First = { kind: "event"; result: IteratorResult<ChatEvent> } | { kind: "pending"; next: Promise<IteratorResult<ChatEvent>> };

export function chatRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend, limiter, readiness, catalog, clock } = deps;
  const app = new Hono<AppEnv>();

  app.post("/chat/completions", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, chatRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model ?? DEFAULT_MODEL_ALIAS, stream: body.stream === true });
    const turn = chatToTurn(body, config);
    const problem = await readiness.requestProblem();
    if (problem) throw new UnavailableError(problem.message, { code: problem.code, retryAfterSeconds: 30 });
    const model = catalog.upstreamId(body.model);
    const reasoningEffort = await catalog.effortFor(model, body.reasoning_effort ?? undefined);
    const meta: CompletionMeta = { id: `chatcmpl-${randomUUID()}`, created: clock.nowSeconds(), model: body.model ?? DEFAULT_MODEL_ALIAS };

    const clientSignal = c.req.raw.signal;
    const release = await limiter.acquire(clientSignal).catch((err: unknown) => {
      throw clientSignal.aborted ? new ClientGoneError() : err;
    });
    const controller = new AbortController();
    const onClientGone = () => controller.abort(new ClientGoneError());
    clientSignal.addEventListener("abort", onClientGone, { once: true });
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(`Codex did not finish within ${config.requestTimeoutMs / 1000} s.`)),
      config.requestTimeoutMs,
    );
    const finish = () => {
      clearTimeout(timer);
      clientSignal.removeEventListener("abort", onClientGone);
      release();
    };
    /** The error to report: the abort reason (timeout, client gone) wins over what the aborted turn threw. */
    const failure = (err: unknown): ApiError | ClientGoneError => {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof ClientGoneError) return reason;
      const apiError = toApiError(reason);
      if (apiError.code === "codex_login_required") void readiness.refresh(); // the login may have expired
      return apiError;
    };
    if (clientSignal.aborted) onClientGone();

    let events: AsyncIterable<ChatEvent>;
    try {
      events = observeTurn(backend.chat({ ...turn, model, reasoningEffort, signal: controller.signal }), trace);
    } catch (err) {
      finish();
      throw failure(err);
    }
    if (!body.stream) {
      try {
        return c.json(await collectCompletion(events, meta));
      } catch (err) {
        throw failure(err);
      } finally {
        finish();
      }
    }

    const iterator = events[Symbol.asyncIterator]();
    let first: First;
    try {
      first = await firstEvent(iterator, config.keepAliveMs);
    } catch (err) {
      finish();
      throw failure(err);
    }
    trace.defer();
    return streamCompletion(c, {
      trace,
      iterator,
      signal: controller.signal,
      first,
      chunks: new ChunkBuilder(meta),
      includeUsage: body.stream_options?.include_usage === true,
      keepAliveMs: config.keepAliveMs,
      onClientGone,
      failure,
      finish,
    });
  });

  return app;
}

/**
 * Waits briefly for the first event so that early failures are plain HTTP errors; a turn
 * that is still thinking after `waitMs` gets its stream opened anyway (keep-alives flow).
 */
async function firstEvent(iterator: AsyncIterator<ChatEvent>, waitMs: number): Promise<First> {
  const next = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), waitMs)));
  try {
    const winner = await Promise.race([next, timeout]);
    return winner === "timeout" ? { kind: "pending", next } : { kind: "event", result: winner };
  } finally {
    clearTimeout(timer);
  }
}

interface StreamArgs {
  trace: RequestTrace;
  iterator: AsyncIterator<ChatEvent>;
  /** The turn's abort signal (timeout or client gone). */
  signal: AbortSignal;
  first: First;
  chunks: ChunkBuilder;
  includeUsage: boolean;
  keepAliveMs: number;
  onClientGone: () => void;
  failure: (err: unknown) => ApiError | ClientGoneError;
  finish: () => void;
}

function streamCompletion(c: Context, a: StreamArgs): Response {
  c.header("Content-Type", "text/event-stream; charset=utf-8");
  c.header("Cache-Control", "no-cache");
  c.header("X-Accel-Buffering", "no");
  return stream(c, async (s) => {
    const sse = new SseWriter(s, a.keepAliveMs);
    s.onAbort(a.onClientGone);
    // A client that stops reading blocks our writes, and with them its slot: once the turn is
    // aborted (timeout), allow a moment for the last frames, then drop the stream.
    let stalled: NodeJS.Timeout | undefined;
    const dropIfStalled = () => (stalled = setTimeout(() => s.abort(), STALLED_STREAM_GRACE_MS));
    a.signal.addEventListener("abort", dropIfStalled, { once: true });
    let status = 200;
    try {
      await sse.data(a.chunks.role());
      let result = a.first.kind === "event" ? a.first.result : await a.first.next;
      let usage;
      for (; !result.done; result = await a.iterator.next()) {
        const event = result.value;
        if (event.type === "text") await sse.data(a.chunks.content(event.delta));
        else if (event.type === "reasoning") await sse.data(a.chunks.reasoning(event.delta));
        else if (event.type === "usage") usage = event.usage;
      }
      await sse.data(a.chunks.finish("stop"));
      if (a.includeUsage) await sse.data(a.chunks.usage(usage));
      await sse.done();
    } catch (err) {
      const error = a.failure(err);
      if (error instanceof ApiError) {
        a.trace.note({ code: error.code ?? error.type });
        if (!sse.aborted) await sse.data(error.toBody());
      } else {
        status = 499; // the client went away mid-stream
      }
    } finally {
      clearTimeout(stalled);
      a.signal.removeEventListener("abort", dropIfStalled);
      sse.stop();
      a.finish();
      a.trace.end(status);
    }
  });
}
