import { Hono } from "hono";
import type { AppDeps } from "../../app-deps.ts";
import { ModelNotFoundError } from "../../errors.ts";
import { OLLAMA_API_VERSION, ollamaModel, ollamaShow } from "../../ollama/ollama-models.ts";
import { ollamaShowSchema } from "../../ollama/ollama-request.ts";
import { ollamaModelId } from "../../ollama/ollama-to-turn.ts";
import type { AppEnv } from "../app-env.ts";
import { readJson } from "../read-json.ts";
import { listedModels } from "./models.ts";

/** How far off a "loaded" model's expiry is: never, while the adapter serves (Ollama's own answer for `keep_alive: -1` is as far). */
const NEVER_MS = 100 * 365 * 24 * 3600_000;

/** GET /api/tags, POST /api/show, GET /api/ps, GET /api/version: Ollama's model listing, from Codex's catalog. */
export function ollamaModelRoutes(deps: AppDeps, startedAtSeconds: number): Hono<AppEnv> {
  const { catalog, backend } = deps;
  const modifiedAt = new Date(startedAtSeconds * 1000).toISOString();
  const app = new Hono<AppEnv>();

  app.get("/api/tags", async (c) => c.json({ models: (await listedModels(catalog)).map((m) => ollamaModel(m.id, modifiedAt)) }));

  app.post("/api/show", async (c) => {
    const body = await readJson(c, ollamaShowSchema, deps.config.maxRequestBodyBytes);
    const name = body.model ?? body.name ?? "";
    c.get("trace").note({ model: name });
    // The same resolution a chat gets: aliases, `<model>-<effort>`, `claude-*`; an id the catalog lacks is not found.
    const info = await catalog.entry((await catalog.resolve(ollamaModelId(name))).model);
    if (!info) throw new ModelNotFoundError(`model '${name}' not found`);
    return c.json(ollamaShow(name, info, backend.features, modifiedAt));
  });

  // Nothing runs locally: the model `codex-cli-default` stands for is "loaded" whenever Codex can serve it.
  app.get("/api/ps", async (c) => {
    const info = deps.readiness.problem() === undefined ? await catalog.entry(catalog.defaultUpstream()) : undefined;
    const expires = new Date(deps.clock.nowMs() + NEVER_MS).toISOString();
    return c.json({ models: info ? [{ ...ollamaModel(info.id, modifiedAt), expires_at: expires, size_vram: 0 }] : [] });
  });

  app.get("/api/version", (c) => c.json({ version: OLLAMA_API_VERSION }));
  return app;
}
