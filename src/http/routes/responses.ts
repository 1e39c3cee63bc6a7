import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { quote } from "../../core/clip.ts";
import { InvalidRequestError } from "../../errors.ts";
import { DEFAULT_MODEL_ALIAS } from "../../openai/model-catalog.ts";
import { RESPONSES_PARAMETERS, rejectUnsupported } from "../../openai/parameters.ts";
import { foldResponse, ResponseEvents, type ResponsesEvent } from "../../openai/response-events.ts";
import { outputMessage, type ResponseMeta } from "../../openai/response-object.ts";
import { responsesRequestSchema, type ResponsesRequest } from "../../openai/responses-request.ts";
import { responsesToTurn } from "../../openai/responses-to-turn.ts";
import { beforeEnd } from "../../stream-translator.ts";
import { prepareTurn } from "../../turn/prepare-turn.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { NAMED_FRAMES } from "../frame-wire.ts";
import { readJson } from "../read-json.ts";
import { answerTurn, startSlottedTurn } from "../run-turn.ts";
import { resolveTarget } from "../turn-target.ts";

/** POST /v1/responses: the Responses API over the same turn machinery, limits and errors as chat completions. */
export function responsesRoutes(deps: AppDeps): Hono<AppEnv> {
  const { config, backend, clock, responseStore } = deps;
  const app = new Hono<AppEnv>();

  app.post("/responses", async (c) => {
    const trace = c.get("trace");
    const body = await readJson(c, responsesRequestSchema, config.maxRequestBodyBytes);
    trace.note({ model: body.model ?? DEFAULT_MODEL_ALIAS, stream: body.stream === true });
    rejectUnsupported(body, RESPONSES_PARAMETERS);
    const previous = body.previous_response_id ? responseStore.get(body.previous_response_id) : [];
    if (!previous) {
      throw new InvalidRequestError(`Previous response with id ${quote(body.previous_response_id ?? "")} not found (responses are kept in memory for a limited time).`, {
        param: "previous_response_id",
        code: "previous_response_not_found",
      });
    }
    const { request, conversation } = responsesToTurn(body, previous);
    const prepared = prepareTurn(request, config, backend.features);
    const target = await resolveTarget(deps, { model: request.model, effort: request.effort, hasImages: prepared.hasImages, summary: body.reasoning?.summary ?? "none" });
    const meta: ResponseMeta = { id: `resp_${randomUUID().replaceAll("-", "")}`, createdAt: clock.nowSeconds(), model: body.model ?? DEFAULT_MODEL_ALIAS, echo: echo(body) };
    // Stored before `response.completed` is written: a client may name it in its next request at once.
    const remember = (frames: readonly ResponsesEvent[]) => responseStore.put(meta.id, [...conversation, outputMessage(foldResponse(frames))]);
    const translator = beforeEnd(new ResponseEvents(meta), remember);

    const turn = await startSlottedTurn(c, deps, prepared, target);
    return answerTurn(c, turn, { translator, wire: NAMED_FRAMES, fold: foldResponse }, { stream: request.stream, keepAliveMs: config.keepAliveMs, clock: deps.clock });
  });

  return app;
}

/** Request settings a Responses answer repeats back. */
function echo(body: ResponsesRequest): Record<string, unknown> {
  return {
    instructions: body.instructions ?? null,
    previous_response_id: body.previous_response_id ?? null,
    tools: body.tools ?? [],
    tool_choice: body.tool_choice ?? "auto",
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    text: body.text ?? { format: { type: "text" } },
    store: true,
    metadata: {},
  };
}
