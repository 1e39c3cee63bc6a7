import { createHash } from "node:crypto";
import type { BackendFeatures, ModelInfo } from "../backend/types.ts";

/**
 * The Ollama release whose documented API the adapter follows, answered by `/api/version`:
 * clients gate features (tools, thinking) on it. It is not the adapter's own version.
 */
export const OLLAMA_API_VERSION = "0.12.0";

/** Ollama's model details; the catalog's models run at the model service, so nothing is local to describe. */
const DETAILS = { parent_model: "", format: "remote", family: "codex", families: ["codex"], parameter_size: "", quantization_level: "" };

export interface OllamaModel {
  name: string;
  model: string;
  modified_at: string;
  /** Bytes on disk: none, the model is not local. */
  size: 0;
  digest: string;
  details: typeof DETAILS;
}

/** A model as `/api/tags` lists it; `modifiedAt` is the adapter's start, the digest a hash of the name (stable, no file behind it). */
export function ollamaModel(name: string, modifiedAt: string): OllamaModel {
  return { name, model: name, modified_at: modifiedAt, size: 0, digest: createHash("sha256").update(name).digest("hex"), details: DETAILS };
}

/** What the model can do, in Ollama's words, from Codex's catalog and the backend's features. */
export function capabilities(info: ModelInfo, features: BackendFeatures): string[] {
  return [
    "completion",
    ...(features.tools ? ["tools"] : []),
    ...(info.reasoningEfforts.length ? ["thinking"] : []),
    ...(features.images && info.inputModalities.includes("image") ? ["vision"] : []),
  ];
}

/** `/api/show`'s answer: no modelfile, template or parameters (Codex holds the model's), the capabilities and the catalog's facts. */
export function ollamaShow(name: string, info: ModelInfo, features: BackendFeatures, modifiedAt: string): object {
  return {
    license: "",
    modelfile: "",
    parameters: "",
    template: "",
    details: DETAILS,
    model_info: { "general.architecture": "codex", "general.basename": info.id, "general.name": info.displayName || name },
    capabilities: capabilities(info, features),
    modified_at: modifiedAt,
  };
}
