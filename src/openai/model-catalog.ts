import type { ModelInfo, ModelSource } from "../backend/types.ts";
import type { ModelAlias } from "../config.ts";
import { CachedRead } from "../core/cached-read.ts";
import type { Clock } from "../core/clock.ts";

/** The alias every client can use; it means "Codex's configured default model". */
export const DEFAULT_MODEL_ALIAS = "codex-cli-default";

const TTL_MS = 5 * 60_000;

/** Anthropic clients (Claude Code) ask for these; unless an alias says otherwise, Codex's default answers them. */
const CLAUDE_PREFIX = "claude-";

/** The model that answers a requested id and the effort the id itself asks for. */
export interface ResolvedModel {
  /** Upstream model id, or undefined for the operator's choice or Codex's default. */
  readonly model: string | undefined;
  readonly effort: string | undefined;
}

/** A short-lived cache of Codex's model catalog, used to resolve aliases and reasoning efforts. */
export class ModelCatalog {
  readonly #source: ModelSource;
  readonly #catalog: CachedRead<readonly ModelInfo[]>;
  readonly #upstreamModel: string | undefined;
  readonly #aliases: readonly ModelAlias[];

  constructor(source: ModelSource, settings: { upstreamModel: string | undefined; modelAliases: readonly ModelAlias[] }, clock: Clock) {
    this.#source = source;
    this.#catalog = new CachedRead(() => source.listModels(), TTL_MS, clock);
    this.#upstreamModel = settings.upstreamModel;
    this.#aliases = settings.modelAliases;
  }

  /** The catalog, cached for a few minutes; concurrent callers share one in-flight read. */
  models(): Promise<readonly ModelInfo[]> {
    return this.#catalog.get();
  }

  /**
   * The model for a requested id: a `MODEL_ALIASES` entry (an exact id before the longest
   * prefix); else a catalog id with an effort appended (`gpt-5.5-high`, `codex-cli-default-low`)
   * when the catalog lists that effort for that model; else `codex-cli-default`, no model or a
   * `claude-*` id mean the operator's choice or Codex's default; any other id is passed on.
   */
  async resolve(requested: string | undefined): Promise<ResolvedModel> {
    const alias = requested ? this.#alias(requested) : undefined;
    if (alias) return { model: this.#upstream(alias.model), effort: alias.effort };
    if (!requested) return { model: this.#upstreamModel, effort: undefined };
    const variant = await this.#effortVariant(requested);
    if (variant) return variant;
    return { model: requested.startsWith(CLAUDE_PREFIX) ? this.#upstreamModel : this.#upstream(requested), effort: undefined };
  }

  /** `<model>-<effort>` for an effort the catalog lists for that model; a catalog id that merely ends so is itself. */
  async #effortVariant(requested: string): Promise<ResolvedModel | undefined> {
    const cut = requested.lastIndexOf("-");
    if (cut <= 0) return undefined;
    const [base, effort] = [requested.slice(0, cut), requested.slice(cut + 1)];
    const models = await this.models().catch(() => []);
    if (models.some((m) => m.id === requested)) return undefined;
    const model = this.#upstream(base);
    return (await this.entry(model))?.reasoningEfforts.includes(effort) ? { model, effort } : undefined;
  }

  /** What `codex-cli-default` means: the operator's model, or undefined for Codex's default. */
  defaultUpstream(): string | undefined {
    return this.#upstreamModel;
  }

  #upstream(id: string): string | undefined {
    return id === DEFAULT_MODEL_ALIAS ? this.#upstreamModel : id;
  }

  #alias(requested: string): ModelAlias | undefined {
    const exact = this.#aliases.find((a) => !a.prefix && a.match === requested);
    const prefixes = this.#aliases.filter((a) => a.prefix && requested.startsWith(a.match));
    return exact ?? prefixes.sort((a, b) => b.match.length - a.match.length)[0];
  }

  /**
   * The effort to ask for, or undefined to leave Codex's default, judged against the model that
   * will answer. "none"/"minimal" ask for the least the model offers; an effort the model does
   * not list (or a model missing from the catalog) drops it rather than refusing the request.
   */
  async effortFor(upstreamId: string | undefined, requested: string | undefined): Promise<string | undefined> {
    if (!requested) return undefined;
    const model = await this.entry(upstreamId);
    const efforts = model?.reasoningEfforts ?? [];
    if (efforts.includes(requested)) return requested;
    if (requested === "none" || requested === "minimal") return efforts[0];
    return undefined;
  }

  /** Whether the model that will answer lists image input in the catalog (unknown models do not). */
  async acceptsImages(upstreamId: string | undefined): Promise<boolean> {
    return (await this.entry(upstreamId))?.inputModalities.includes("image") ?? false;
  }

  /** The catalog entry of the model that will answer, when the catalog can be read and lists it. */
  async entry(upstreamId: string | undefined): Promise<ModelInfo | undefined> {
    let models: readonly ModelInfo[];
    try {
      models = await this.models();
    } catch {
      return undefined;
    }
    const target = upstreamId ?? this.#source.configuredModel();
    return models.find((m) => (target ? m.id === target : m.isDefault));
  }
}
