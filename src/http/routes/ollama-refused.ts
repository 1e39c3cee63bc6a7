import { Hono } from "hono";
import { NotImplementedError } from "../../errors.ts";
import type { AppEnv } from "../app-env.ts";

/** Ollama's endpoints that cannot exist in front of Codex, and why (docs/api.md, Ollama API). */
const REFUSED: readonly { readonly method: "POST" | "DELETE" | "HEAD"; readonly path: string; readonly why: string }[] = [
  { method: "POST", path: "/api/embed", why: "Codex has no embedding models" },
  { method: "POST", path: "/api/embeddings", why: "Codex has no embedding models" },
  { method: "POST", path: "/api/pull", why: "the models run at the model service behind Codex: there is nothing to download; GET /api/tags lists them" },
  { method: "POST", path: "/api/push", why: "there are no local models to upload" },
  { method: "POST", path: "/api/create", why: "models cannot be created here; the catalog is Codex's" },
  { method: "POST", path: "/api/copy", why: "models cannot be copied here; the catalog is Codex's (MODEL_ALIASES names them otherwise)" },
  { method: "DELETE", path: "/api/delete", why: "models cannot be deleted here; the catalog is Codex's" },
  { method: "HEAD", path: "/api/blobs/:digest", why: "there are no model files here" },
  { method: "POST", path: "/api/blobs/:digest", why: "there are no model files here" },
];

/** Each refused endpoint answers 501 with its reason, in Ollama's error shape (the key is checked first, like everywhere under /api). */
export function ollamaRefusedRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const { method, path, why } of REFUSED) {
    app.on(method, path, () => {
      throw new NotImplementedError(`${method} ${path.replace("/:digest", "")} is not supported by this adapter: ${why}.`);
    });
  }
  return app;
}
