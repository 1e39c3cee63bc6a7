/** Failures in backend terms; the HTTP layer maps each kind to a status. */
export type BackendErrorKind =
  | "rate_limited"
  | "context_too_long"
  | "model_not_found"
  | "unauthenticated"
  | "bad_request"
  | "upstream"
  | "crashed"
  | "unavailable"
  | "interrupted"
  /** A sign-in could not start: Codex got no device code from ChatGPT's sign-in service. */
  | "sign_in_unreachable";

export class BackendError extends Error {
  constructor(
    readonly kind: BackendErrorKind,
    message: string,
    /** Seconds until a rate limit resets, when Codex told us. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "BackendError";
  }
}
