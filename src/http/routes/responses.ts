import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { InvalidRequestError } from "../../errors.ts";
import { DEFAULT_MODEL_ALIAS } from "../../openai/model-catalog.ts";
import { RESPONSES_PARAMETERS, rejectUnsupported } from "../../openai/parameters.ts";
import { prepareChat } from "../../openai/prepare-chat.ts";
import { ResponseEvents } from "../../openai/response-events.ts";
import { collectOutput, messageItemId, outputMessage, responseObject, type ResponseMeta, type ResponseOutput } from "../../openai/response-object.ts";
import { responsesRequestSchema, type ResponsesRequest } from "../../openai/responses-request.ts";
import { inResponsesTerms, responsesToChat } from "../../openai/responses-to-chat.ts";
import type { AppDeps } from "../../app-deps.ts";
import type { AppEnv } from "../app-env.ts";
import { eventStream } from "../event-stream.ts";
import { readJson } from "../read-json.ts";
import { collectTurn, openTurnStream, startSlottedTurn } from "../run-turn.ts";
import type { SseWriter } from "../sse-writer.ts";
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
      throw new InvalidRequestError(`Previous response with id '${body.previous_response_id ?? ""}' not found (responses are kept in memory for a limited time).`, {
        param: "previous_response_id",
        code: "previous_response_not_found",
      });
    }
    const { chat, conversation } = responsesToChat(body, previous);
    const prepared = inResponsesTerms(() => prepareChat(chat, config, backend.features));
    const target = await resolveTarget(deps, { model: body.model, effort: body.reasoning?.effort ?? undefined, hasImages: prepared.hasImages });
    const meta: ResponseMeta = { id: `resp_${randomUUID().replaceAll("-", "")}`, createdAt: clock.nowSeconds(), model: body.model ?? DEFAULT_MODEL_ALIAS, echo: echo(body) };
    const messageId = messageItemId();
    const remember = (output: ResponseOutput) => responseStore.put(meta.id, [...conversation, outputMessage(output)]);

    const turn = await startSlottedTurn(c, deps, prepared, target);
    if (!body.stream) {
      const output = await collectTurn(turn, collectOutput);
      remember(output);
      return c.json(responseObject(meta, { ...output, messageId }));
    }

    const { iterator, first } = await openTurnStream(turn, config.keepAliveMs);
    const frames = new ResponseEvents(meta, messageId);
    const send = async (sse: SseWriter, list: readonly ({ type: string } & object)[]) => {
      for (const e of list) await sse.event(e.type, e);
    };
    const write = async (sse: SseWriter) => {
      await send(sse, frames.start());
      const output: ResponseOutput = { text: "", calls: [], usage: undefined };
      let result = first.kind === "event" ? first.result : await first.next;
      for (; !result.done; result = await iterator.next()) {
        const event = result.value;
        if (event.type === "text") {
          output.text += event.delta;
          await send(sse, frames.text(event.delta));
        } else if (event.type === "usage") output.usage = event.usage;
        else if (event.type === "tool_calls") {
          output.calls = event.calls;
          await send(sse, frames.calls(event.calls));
        }
      }
      remember(output);
      await send(sse, frames.completed(output));
    };
    return eventStream(c, turn.slot, config.keepAliveMs, write, (sse, error) => sse.event("error", frames.error(error.toBody().error)));
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
