import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { estimateInputTokens } from "../../anthropic/count-tokens.ts";
import { foldMessage, MessageEvents, type MessageMeta } from "../../anthropic/message-events.ts";
import { showsThinking } from "../../anthropic/messages-effort.ts";
import { countTokensRequestSchema, messagesRequestSchema } from "../../anthropic/messages-request.ts";
import { messagesToTurn } from "../../anthropic/messages-to-turn.ts";
import { MESSAGES_PARAMETERS, rejectUnsupported } from "../../openai/parameters.ts";
import { prepareTurn } from "../../turn/prepare-turn.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { MESSAGES_FRAMES } from "../frame-wire.ts";
import { readJson } from "../read-json.ts";
import { answerTurn, startSlottedTurn } from "../run-turn.ts";
import { resolveTarget } from "../turn-target.ts";

/** POST /v1/messages (Anthropic Messages API, for Claude Code) over the same turn machinery, limits and slots as chat completions. */
export function messagesRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend } = deps;
  const app = new Hono<AppEnv>();

  app.post("/messages", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, messagesRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model, stream: body.stream === true });
    rejectUnsupported(body, MESSAGES_PARAMETERS);
    const request = messagesToTurn(body);
    const prepared = prepareTurn(request, config, backend.features);
    const target = await resolveTarget(deps, { model: request.model, effort: request.effort, hasImages: prepared.hasImages, summary: showsThinking(body) ? "default" : "none" });
    const meta: MessageMeta = { id: `msg_${randomUUID().replaceAll("-", "")}`, model: body.model, thinking: showsThinking(body), requestId: trace.id };

    const translator = new MessageEvents(meta);
    const turn = await startSlottedTurn(c, deps, prepared, target);
    return answerTurn(c, turn, { translator, wire: MESSAGES_FRAMES, fold: foldMessage }, { stream: request.stream, keepAliveMs: config.keepAliveMs, clock: deps.clock });
  });

  // Claude Code sizes its context with this; an estimate, no turn and no slot.
  app.post("/messages/count_tokens", async (c) => {
    const body = await readJson(c, countTokensRequestSchema, config.maxRequestBodyBytes);
    c.get("trace").note({ model: body.model });
    return c.json({ input_tokens: estimateInputTokens(messagesToTurn(body)) });
  });

  return app;
}
