import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { anthropicError } from "../../anthropic/anthropic-error.ts";
import { estimateInputTokens } from "../../anthropic/count-tokens.ts";
import { collectMessage, MessageEvents, type MessageMeta, type MessagesEvent } from "../../anthropic/message-events.ts";
import { messagesEffort, showsThinking } from "../../anthropic/messages-effort.ts";
import { countTokensRequestSchema, messagesRequestSchema } from "../../anthropic/messages-request.ts";
import { inMessagesTerms, messagesToChat } from "../../anthropic/messages-to-chat.ts";
import { MESSAGES_PARAMETERS, rejectUnsupported } from "../../openai/parameters.ts";
import { prepareChat } from "../../openai/prepare-chat.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { eventStream } from "../event-stream.ts";
import { readJson } from "../read-json.ts";
import { collectTurn, openTurnStream, startSlottedTurn } from "../run-turn.ts";
import type { SseWriter } from "../sse-writer.ts";
import { resolveTarget } from "../turn-target.ts";

/** Anthropic's keep-alive: clients expect `ping` events, not SSE comments. */
const PING = `event: ping\ndata: ${JSON.stringify({ type: "ping" })}\n\n`;

/** POST /v1/messages (Anthropic Messages API, for Claude Code) over the same turn machinery, limits and slots as chat completions. */
export function messagesRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend } = deps;
  const app = new Hono<AppEnv>();

  app.post("/messages", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, messagesRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model, stream: body.stream === true });
    rejectUnsupported(body, MESSAGES_PARAMETERS);
    const chat = messagesToChat(body);
    const prepared = inMessagesTerms(() => prepareChat(chat, config, backend.features));
    const target = await resolveTarget(deps, { model: body.model, effort: messagesEffort(body), hasImages: prepared.hasImages });
    const meta: MessageMeta = { id: `msg_${randomUUID().replaceAll("-", "")}`, model: body.model, thinking: showsThinking(body) };

    const turn = await startSlottedTurn(c, deps, prepared, target);
    if (!body.stream) return c.json(await collectTurn(turn, (events) => collectMessage(events, meta)));

    const { iterator, first } = await openTurnStream(turn, config.keepAliveMs);
    const translator = new MessageEvents(meta);
    const send = async (sse: SseWriter, events: readonly MessagesEvent[]) => {
      for (const e of events) await sse.event(e.type, e);
    };
    const write = async (sse: SseWriter) => {
      await send(sse, translator.start());
      let result = first.kind === "event" ? first.result : await first.next;
      for (; !result.done; result = await iterator.next()) await send(sse, translator.event(result.value));
      await send(sse, translator.end());
    };
    const writeError = (sse: SseWriter, error: Parameters<typeof anthropicError>[0]) => sse.event("error", anthropicError(error, trace.id).body);
    return eventStream(c, turn.slot, config.keepAliveMs, write, writeError, PING);
  });

  // Claude Code sizes its context with this; an estimate, no turn and no slot.
  app.post("/messages/count_tokens", async (c) => {
    const body = await readJson(c, countTokensRequestSchema, config.maxRequestBodyBytes);
    c.get("trace").note({ model: body.model });
    return c.json({ input_tokens: estimateInputTokens(messagesToChat(body)) });
  });

  return app;
}
