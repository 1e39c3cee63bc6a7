import { z } from "zod";
import { BASE_INSTRUCTIONS } from "./codex-hardening.ts";

/**
 * Codex builds each model's upstream request from its catalog entry (`codex debug models`, the
 * same JSON `codex/models` serves), and the entry outranks every feature flag: a
 * `tool_mode: "code_mode_only"` model gets Codex's `exec`/`wait` tools with the client's functions
 * only inside `exec`'s JavaScript, a `multi_agent_version` model gets the collaboration tools and
 * their instructions, an `apply_patch_tool_type` model gets `apply_patch`. The adapter derives a
 * catalog in which every entry, however new, is a plain chat model with the adapter's short
 * prompt; every other field, the model's own definition, passes through untouched.
 */
const PLAIN_CHAT: Readonly<Record<string, unknown>> = {
  // The adapter replaces Codex's coding-agent prompt on every thread (BASE_INSTRUCTIONS); these
  // carry it, 97 % of the catalog's bytes, held once more by every loaded thread (about 0.9 MB each).
  base_instructions: BASE_INSTRUCTIONS,
  model_messages: null,
  tool_mode: "direct",
  use_responses_lite: false,
  multi_agent_version: "disabled",
  apply_patch_tool_type: null,
  experimental_supported_tools: [],
  include_apps_usage_instructions: false,
  include_plugin_usage_instructions: false,
  include_skills_usage_instructions: false,
};

/** A catalog as Codex prints and reads it; only the slugs are the adapter's business, the rest passes through. */
const rawCatalog = z.object({ models: z.array(z.looseObject({ slug: z.string().min(1) })).min(1) }).loose();
export type RawCatalog = z.infer<typeof rawCatalog>;

/** Parses what `codex debug models` printed; throws when it is no catalog (Codex refuses an empty one). */
export function parseCatalog(text: string): RawCatalog {
  return rawCatalog.parse(JSON.parse(text));
}

/** Every entry as a plain chat model: the client's functions offered directly, none of Codex's own tools or agent instructions. */
export function plainChatCatalog(catalog: RawCatalog): RawCatalog {
  return { ...catalog, models: catalog.models.map((model) => ({ ...model, ...PLAIN_CHAT })) };
}
