import type { AppDeps } from "../app-deps.ts";
import type { ReasoningSummary } from "../config.ts";
import { InvalidRequestError, UnavailableError } from "../errors.ts";
import { DEFAULT_MODEL_ALIAS } from "../openai/model-catalog.ts";

export interface TurnTarget {
  readonly model: string | undefined;
  readonly reasoningEffort: string | undefined;
  readonly reasoningSummary: ReasoningSummary;
}

/** Refuses while Codex cannot serve, then resolves the model (and checks it reads images, when needed) and the effort. */
export async function resolveTarget(
  deps: Pick<AppDeps, "readiness" | "catalog" | "config">,
  requested: { model: string | undefined; effort: string | undefined; hasImages: boolean; summary: RequestedSummary },
): Promise<TurnTarget> {
  const problem = await deps.readiness.requestProblem();
  if (problem) throw new UnavailableError(problem.message, { code: problem.code, retryAfterSeconds: 30 });
  const { model, effort } = await deps.catalog.resolve(requested.model);
  if (requested.hasImages && !(await deps.catalog.acceptsImages(model))) {
    throw new InvalidRequestError(
      `The model ${requested.model ?? DEFAULT_MODEL_ALIAS} does not list image input in Codex's catalog; send text only or pick a model that reads images (see GET /v1/models).`,
      { param: "model", code: "images_not_supported_by_model" },
    );
  }
  // An explicit effort parameter wins over the one the model id asks for.
  const reasoningEffort = await deps.catalog.effortFor(model, requested.effort ?? effort);
  return { model, reasoningEffort, reasoningSummary: reasoningSummary(deps.config.reasoningSummary, requested.summary) };
}

/** What a request asks of the reasoning summary: the operator's kind (`default`), a kind of its own, or none. */
export type RequestedSummary = "default" | "none" | Exclude<ReasoningSummary, "none">;

/** The operator's `none` turns summaries off for every request; otherwise a request's own kind wins. */
function reasoningSummary(operator: ReasoningSummary, requested: RequestedSummary): ReasoningSummary {
  if (operator === "none") return "none";
  return requested === "default" ? operator : requested;
}
