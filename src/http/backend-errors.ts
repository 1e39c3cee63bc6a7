import { BackendError } from "../backend/backend-error.ts";
import {
  ApiError,
  ContextLengthError,
  InternalError,
  InvalidRequestError,
  ModelNotFoundError,
  UnavailableError,
  UpstreamError,
  UpstreamRateLimitError,
} from "../errors.ts";

const DEFAULT_RETRY_AFTER_SECONDS = 30;

/** Maps a failure from the backend (or anything thrown while answering) to the error the client sees; `login` is the sign-in command. */
export function toApiError(err: unknown, login: string): ApiError {
  if (err instanceof ApiError) return err;
  if (!(err instanceof BackendError)) return new InternalError("The adapter failed to answer this request.");
  switch (err.kind) {
    case "rate_limited":
      return new UpstreamRateLimitError(`Upstream rate limit reached (ChatGPT plan usage limit): ${err.message}`, {
        retryAfterSeconds: err.retryAfterSeconds ?? DEFAULT_RETRY_AFTER_SECONDS,
      });
    case "context_too_long":
      return new ContextLengthError(`This conversation is too long for the model's context window. ${err.message}`, {
        param: "messages",
      });
    case "model_not_found":
      return new ModelNotFoundError(`The model does not exist or is not available to this login: ${err.message}`, {
        param: "model",
      });
    case "unauthenticated":
      return new UnavailableError(`Codex is not signed in or its login expired: sign in again from the dashboard (/dashboard/) or with \`${login}\`.`, {
        code: "codex_login_required",
        retryAfterSeconds: 30,
      });
    case "bad_request":
      return new InvalidRequestError(`The upstream model service refused the request: ${err.message}`, { code: "upstream_refused" });
    case "crashed":
      return new UnavailableError(err.message, { code: "codex_restarting", retryAfterSeconds: 1 });
    case "unavailable":
      return new UnavailableError(err.message, { code: "codex_unavailable" });
    case "sign_in_unreachable":
      return new UnavailableError(err.message, { code: "sign_in_unreachable", retryAfterSeconds: 30 });
    case "upstream":
    case "interrupted":
      return new UpstreamError(`The upstream model service failed: ${err.message}`);
  }
}
