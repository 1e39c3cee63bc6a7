import type { Backend, ModelInfo } from "../backend/types.ts";

/** The alias every client can use; it means "Codex's configured default model". */
export const DEFAULT_MODEL_ALIAS = "codex-cli-default";

const TTL_MS = 5 * 60_000;

/** A short-lived cache of Codex's model catalog, used to resolve aliases and reasoning efforts. */
export class ModelCatalog {
  readonly #backend: Backend;
  readonly #upstreamModel: string | undefined;
  #cached: { at: number; models: readonly ModelInfo[] } | undefined;
  #loading: Promise<readonly ModelInfo[]> | undefined;

  constructor(backend: Backend, upstreamModel: string | undefined) {
    this.#backend = backend;
    this.#upstreamModel = upstreamModel;
  }

  /** The catalog, cached for a few minutes; concurrent callers share one in-flight read. */
  models(): Promise<readonly ModelInfo[]> {
    const now = Date.now();
    if (this.#cached && now - this.#cached.at < TTL_MS) return Promise.resolve(this.#cached.models);
    this.#loading ??= this.#backend
      .listModels()
      .then((models) => {
        this.#cached = { at: now, models };
        return models;
      })
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** The upstream model id for a requested id: the alias (or no model) maps to the operator's choice or Codex's default. */
  upstreamId(requested: string | undefined): string | undefined {
    if (!requested || requested === DEFAULT_MODEL_ALIAS) return this.#upstreamModel;
    return requested;
  }

  /**
   * The effort to ask for, or undefined to leave Codex's default, judged against the model that
   * will answer. "none"/"minimal" ask for the least the model offers; an effort the model does
   * not list (or a model missing from the catalog) drops it rather than refusing the request.
   */
  async effortFor(upstreamId: string | undefined, requested: string | undefined): Promise<string | undefined> {
    if (!requested) return undefined;
    const model = await this.#entry(upstreamId);
    const efforts = model?.reasoningEfforts ?? [];
    if (efforts.includes(requested)) return requested;
    if (requested === "none" || requested === "minimal") return efforts[0];
    return undefined;
  }

  /** Whether the model that will answer lists image input in the catalog (unknown models do not). */
  async acceptsImages(upstreamId: string | undefined): Promise<boolean> {
    return (await this.#entry(upstreamId))?.inputModalities.includes("image") ?? false;
  }

  /** The catalog entry of the model that will answer, when the catalog can be read and lists it. */
  async #entry(upstreamId: string | undefined): Promise<ModelInfo | undefined> {
    let models: readonly ModelInfo[];
    try {
      models = await this.models();
    } catch {
      return undefined;
    }
    const target = upstreamId ?? this.#backend.configuredModel();
    return models.find((m) => (target ? m.id === target : m.isDefault));
  }
}
