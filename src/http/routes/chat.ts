import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import type { ChatEvent, TokenUsage } from "../../backend/types.ts";
import { ChunkBuilder, type CompletionMeta } from "../../openai/chat-chunks.ts";
import { collectCompletion } from "../../openai/chat-completion.ts";
import { chatRequestSchema } from "../../openai/chat-request.ts";
import { DEFAULT_MODEL_ALIAS } from "../../openai/model-catalog.ts";
import { prepareChat } from "../../openai/prepare-chat.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { eventStream, type First } from "../event-stream.ts";
import { readJson } from "../read-json.ts";
import { collectTurn, openTurnStream, startSlottedTurn } from "../run-turn.ts";
import type { SseWriter } from "../sse-writer.ts";
import { resolveTarget } from "../turn-target.ts";

export function chatRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend, clock } = deps;
  const app = new Hono<AppEnv>();

  app.post("/chat/completions", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, chatRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model ?? DEFAULT_MODEL_ALIAS, stream: body.stream === true });
    const prepared = prepareChat(body, config, backend.features);
    const target = await resolveTarget(deps, { model: body.model, effort: body.reasoning_effort ?? undefined, hasImages: prepared.hasImages });
    const meta: CompletionMeta = { id: `chatcmpl-${randomUUID()}`, created: clock.nowSeconds(), model: body.model ?? DEFAULT_MODEL_ALIAS };

    const turn = await startSlottedTurn(c, deps, prepared, target);
    if (!body.stream) return c.json(await collectTurn(turn, (events) => collectCompletion(events, meta)));

    const { iterator, first } = await openTurnStream(turn, config.keepAliveMs);
    const chunks = new ChunkBuilder(meta);
    const includeUsage = body.stream_options?.include_usage === true;
    return eventStream(
      c,
      turn.slot,
      config.keepAliveMs,
      (sse) => writeChunks(sse, { iterator, first, chunks, includeUsage }),
      (sse, error) => sse.data(error.toBody()),
    );
  });

  return app;
}

interface ChunkArgs {
  iterator: AsyncIterator<ChatEvent>;
  first: First<ChatEvent>;
  chunks: ChunkBuilder;
  includeUsage: boolean;
}

/** The chunk sequence: role, deltas (text, reasoning, tool calls), finish, optional usage, [DONE]. */
async function writeChunks(sse: SseWriter, a: ChunkArgs): Promise<void> {
  await sse.data(a.chunks.role());
  let result = a.first.kind === "event" ? a.first.result : await a.first.next;
  let usage: TokenUsage | undefined;
  let finishReason: "stop" | "tool_calls" = "stop";
  for (; !result.done; result = await a.iterator.next()) {
    const event = result.value;
    if (event.type === "text") await sse.data(a.chunks.content(event.delta));
    else if (event.type === "reasoning") await sse.data(a.chunks.reasoning(event.delta));
    else if (event.type === "usage") usage = event.usage;
    else if (event.type === "tool_calls") {
      for (const [index, call] of event.calls.entries()) await sse.data(a.chunks.toolCall(index, call));
      finishReason = "tool_calls";
    }
  }
  await sse.data(a.chunks.finish(finishReason));
  if (a.includeUsage) await sse.data(a.chunks.usage(usage));
  await sse.done();
}
