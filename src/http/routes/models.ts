import type { AppEnv } from "../app-env.ts";
import { Hono } from "hono";
import type { ModelInfo } from "../../backend/types.ts";
import { DEFAULT_MODEL_ALIAS, type ModelCatalog } from "../../openai/model-catalog.ts";

/** Ids with ':' or '/' are hidden by some clients (Obsidian LLM Wiki), so they are left out. */
const LISTABLE_ID = /^[^:/]+$/;

/** With `listEfforts`, each id is followed by its `<id>-<effort>` variants (the catalog's efforts for that model). */
export function modelRoutes(catalog: ModelCatalog, created: number, listEfforts: boolean): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/models", async (c) => {
    const models = await catalog.models();
    const listed = models.filter((m) => LISTABLE_ID.test(m.id) && m.id !== DEFAULT_MODEL_ALIAS);
    const withEfforts = (id: string, m: ModelInfo | undefined) => [id, ...(listEfforts ? (m?.reasoningEfforts ?? []).map((e) => `${id}-${e}`) : [])];
    const ids = [...withEfforts(DEFAULT_MODEL_ALIAS, await catalog.entry(catalog.defaultUpstream())), ...listed.flatMap((m) => withEfforts(m.id, m))];
    return c.json({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created, owned_by: "codex-cli-provider" })),
    });
  });
  return app;
}
