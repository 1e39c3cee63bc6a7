import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { ChatChunks, type CompletionMeta } from "../../openai/chat-chunks.ts";
import { foldCompletion } from "../../openai/chat-completion.ts";
import { chatRequestSchema } from "../../openai/chat-request.ts";
import { chatToTurn } from "../../openai/chat-to-turn.ts";
import { DEFAULT_MODEL_ALIAS } from "../../openai/model-catalog.ts";
import { CHAT_PARAMETERS, rejectUnsupported } from "../../openai/parameters.ts";
import { prepareTurn } from "../../turn/prepare-turn.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { DATA_FRAMES } from "../frame-wire.ts";
import { readJson } from "../read-json.ts";
import { answerTurn, startSlottedTurn } from "../run-turn.ts";
import { resolveTarget } from "../turn-target.ts";

export function chatRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend, clock } = deps;
  const app = new Hono<AppEnv>();

  app.post("/chat/completions", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, chatRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model ?? DEFAULT_MODEL_ALIAS, stream: body.stream === true });
    rejectUnsupported(body, CHAT_PARAMETERS);
    const request = chatToTurn(body);
    const prepared = prepareTurn(request, config, backend.features);
    const target = await resolveTarget(deps, { model: request.model, effort: request.effort, hasImages: prepared.hasImages, summary: "default" });
    const meta: CompletionMeta = { id: `chatcmpl-${randomUUID()}`, created: clock.nowSeconds(), model: body.model ?? DEFAULT_MODEL_ALIAS };

    // A non-streaming answer always carries usage; a stream only when asked (`stream_options.include_usage`).
    const translator = new ChatChunks(meta, { includeUsage: !body.stream || body.stream_options?.include_usage === true });
    const turn = await startSlottedTurn(c, deps, prepared, target);
    return answerTurn(c, turn, { translator, wire: DATA_FRAMES, fold: foldCompletion }, { stream: request.stream, keepAliveMs: config.keepAliveMs, clock: deps.clock });
  });

  return app;
}
