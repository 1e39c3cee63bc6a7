import type { Context } from "hono";
import { Hono } from "hono";
import type { z } from "zod";
import type { AppDeps } from "../../app-deps.ts";
import { foldOllama, ollamaChunk, OllamaChunks, type OllamaMeta } from "../../ollama/ollama-chunks.ts";
import { rejectUnsupported } from "../../openai/parameters.ts";
import { OLLAMA_PARAMETERS } from "../../ollama/ollama-parameters.ts";
import { ollamaChatSchema, ollamaGenerateSchema, type OllamaChatRequest, type OllamaGenerateRequest } from "../../ollama/ollama-request.ts";
import { ollamaChatToTurn, ollamaGenerateToTurn, showsThinking } from "../../ollama/ollama-to-turn.ts";
import { prepareTurn } from "../../turn/prepare-turn.ts";
import type { TurnRequest } from "../../turn/turn-request.ts";
import type { AppEnv } from "../app-env.ts";
import { ndjsonFrames } from "../frame-wire.ts";
import { readJson } from "../read-json.ts";
import { answerTurn, startSlottedTurn } from "../run-turn.ts";
import { resolveTarget } from "../turn-target.ts";

/** Ollama's `keep_alive: 0` with nothing to answer asks to unload the model. */
const unloads = (keepAlive: string | number | null | undefined) => keepAlive === 0 || keepAlive === "0";

/** What both endpoints read before the turn. */
type OllamaBody = Pick<OllamaChatRequest, "model" | "stream" | "think" | "keep_alive"> & Record<string, unknown>;

interface Endpoint<B extends OllamaBody> {
  readonly name: OllamaMeta["endpoint"];
  readonly schema: z.ZodType<B>;
  readonly toTurn: (body: B) => TurnRequest;
  /** Nothing to answer: Ollama's "load the model" call. */
  readonly loads: (body: B, request: TurnRequest) => boolean;
}

const CHAT: Endpoint<OllamaChatRequest> = { name: "chat", schema: ollamaChatSchema, toTurn: ollamaChatToTurn, loads: (_, request) => !request.messages.length };
const GENERATE: Endpoint<OllamaGenerateRequest> = { name: "generate", schema: ollamaGenerateSchema, toTurn: ollamaGenerateToTurn, loads: (body) => !body.prompt && !body.images?.length };

/** POST /api/chat and /api/generate (Ollama's API) over the same turn machinery, limits and slots as the other APIs. */
export function ollamaRoutes(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post("/api/chat", (c) => answerEndpoint(c, deps, CHAT));
  app.post("/api/generate", (c) => answerEndpoint(c, deps, GENERATE));
  return app;
}

async function answerEndpoint<B extends OllamaBody>(c: Context<AppEnv>, deps: AppDeps, endpoint: Endpoint<B>): Promise<Response> {
  const body = await readJson(c, endpoint.schema, deps.config.maxRequestBodyBytes);
  c.get("trace").note({ model: body.model, stream: body.stream !== false });
  rejectUnsupported(body, OLLAMA_PARAMETERS);
  const meta: OllamaMeta = { model: body.model, endpoint: endpoint.name, thinking: showsThinking(body.think), clock: deps.clock };
  const request = endpoint.toTurn(body);
  if (endpoint.loads(body, request)) return loaded(c, deps, request, meta, unloads(body.keep_alive));
  return answer(c, deps, request, meta);
}

async function answer(c: Context<AppEnv>, deps: AppDeps, request: TurnRequest, meta: OllamaMeta): Promise<Response> {
  const prepared = prepareTurn(request, deps.config, deps.backend.features);
  const target = await resolveTarget(deps, { model: request.model, effort: request.effort, hasImages: prepared.hasImages, summary: meta.thinking ? "default" : "none" });
  const translator = new OllamaChunks(meta);
  const wire = ndjsonFrames(ollamaChunk(meta, deps.clock.nowMs(), {}, false));
  const turn = await startSlottedTurn(c, deps, prepared, target);
  return answerTurn(c, turn, { translator, wire, fold: foldOllama }, { stream: request.stream, keepAliveMs: deps.config.keepAliveMs, clock: deps.clock });
}

/**
 * Ollama's "load the model" call (nothing to answer): done at once, no turn, once Codex can
 * serve; the catalog's models are always ready at the model service, so there is nothing to load or unload.
 */
async function loaded(c: Context<AppEnv>, deps: AppDeps, request: TurnRequest, meta: OllamaMeta, unload: boolean): Promise<Response> {
  await resolveTarget(deps, { model: request.model, effort: undefined, hasImages: false, summary: "none" });
  const done = { ...ollamaChunk(meta, deps.clock.nowMs(), {}, true), done_reason: unload ? "unload" : "load" };
  if (!request.stream) return c.json(done);
  return c.body(`${JSON.stringify(done)}\n`, 200, { "Content-Type": "application/x-ndjson" });
}
