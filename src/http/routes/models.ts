import type { AppEnv } from "../app-env.ts";
import { Hono } from "hono";
import type { ModelInfo } from "../../backend/types.ts";
import { DEFAULT_MODEL_ALIAS, type ModelCatalog } from "../../openai/model-catalog.ts";

/** Ids with ':' or '/' are hidden by some clients (Obsidian LLM Wiki), so they are left out. */
const LISTABLE_ID = /^[^:/]+$/;

/** The models every API lists: `codex-cli-default` (with the entry it stands for) first, then the catalog's listable ids. */
export async function listedModels(catalog: ModelCatalog): Promise<{ readonly id: string; readonly info: ModelInfo | undefined }[]> {
  const models = await catalog.models();
  const listed = models.filter((m) => LISTABLE_ID.test(m.id) && m.id !== DEFAULT_MODEL_ALIAS);
  return [{ id: DEFAULT_MODEL_ALIAS, info: await catalog.entry(catalog.defaultUpstream()) }, ...listed.map((m) => ({ id: m.id, info: m }))];
}

/** With `listEfforts`, each id is followed by its `<id>-<effort>` variants (the catalog's efforts for that model). */
export function modelRoutes(catalog: ModelCatalog, created: number, listEfforts: boolean): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/models", async (c) => {
    const withEfforts = ({ id, info }: { id: string; info: ModelInfo | undefined }) => [id, ...(listEfforts ? (info?.reasoningEfforts ?? []).map((e) => `${id}-${e}`) : [])];
    const ids = (await listedModels(catalog)).flatMap(withEfforts);
    return c.json({
      object: "list",
      data: ids.map((id) => ({ id, object: "model", created, owned_by: "codex-cli-provider" })),
    });
  });
  return app;
}
