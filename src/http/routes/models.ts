import type { AppEnv } from "../app-env.ts";
import { Hono } from "hono";
import type { ModelInfo } from "../../backend/types.ts";
import { DEFAULT_MODEL_ALIAS, type ModelCatalog } from "../../openai/model-catalog.ts";
import { toApiError } from "../backend-errors.ts";

/** Ids with ':' or '/' are hidden by some clients (Obsidian LLM Wiki), so they are left out. */
const LISTABLE_ID = /^[^:/]+$/;

/**
 * With `listEfforts`, each id is followed by its `<id>-<effort>` variants (the catalog's efforts for that model);
 * `login` is the sign-in command a catalog failure for want of a login names.
 */
export function modelRoutes(catalog: ModelCatalog, created: number, options: { readonly listEfforts: boolean; readonly login: string }): Hono<AppEnv> {
  const { listEfforts, login } = options;
  const app = new Hono<AppEnv>();
  app.get("/models", async (c) => {
    let models: readonly ModelInfo[];
    try {
      models = await catalog.models();
    } catch (err) {
      throw toApiError(err, login);
    }
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
