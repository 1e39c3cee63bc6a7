import type { AppEnv } from "../app-env.ts";
import { Hono } from "hono";
import { DEFAULT_MODEL_ALIAS, type ModelCatalog } from "../../openai/model-catalog.ts";
import { toApiError } from "../backend-errors.ts";

/** Ids with ':' or '/' are hidden by some clients (Obsidian LLM Wiki), so they are left out. */
const LISTABLE_ID = /^[^:/]+$/;

/** `login`: the sign-in command a catalog failure for want of a login names. */
export function modelRoutes(catalog: ModelCatalog, created: number, login: string): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/models", async (c) => {
    let models;
    try {
      models = await catalog.models();
    } catch (err) {
      throw toApiError(err, login);
    }
    const ids = [DEFAULT_MODEL_ALIAS, ...models.map((m) => m.id).filter((id) => LISTABLE_ID.test(id) && id !== DEFAULT_MODEL_ALIAS)];
    return c.json({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created, owned_by: "codex-cli-provider" })),
    });
  });
  return app;
}
