/** OpenAI-shaped API errors. Routes throw these; only the app's error handler renders them. */
export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export abstract class ApiError extends Error {
  abstract readonly status: 400 | 401 | 403 | 404 | 408 | 413 | 429 | 500 | 501 | 502 | 503 | 504;
  abstract readonly type: string;
  abstract readonly code: string | null;
  readonly param: string | null;
  /** Seconds for the Retry-After header (429 and 503 only). */
  readonly retryAfterSeconds: number | undefined;

  constructor(message: string, options: { param?: string | null; retryAfterSeconds?: number } = {}) {
    super(message);
    this.name = new.target.name;
    this.param = options.param ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export class InvalidRequestError extends ApiError {
  readonly status = 400;
  readonly type = "invalid_request_error";
  readonly code: string | null;
  constructor(message: string, options: { param?: string | null; code?: string } = {}) {
    super(message, options);
    this.code = options.code ?? null;
  }
}

export class InvalidJsonError extends ApiError {
  readonly status = 400;
  readonly type = "invalid_request_error";
  readonly code = "invalid_json";
}

export class ContextLengthError extends ApiError {
  readonly status = 400;
  readonly type = "invalid_request_error";
  readonly code = "context_length_exceeded";
}

export class AuthenticationError extends ApiError {
  readonly status = 401;
  readonly type = "invalid_request_error";
  readonly code = "invalid_api_key";
}

export class ForbiddenError extends ApiError {
  readonly status = 403;
  readonly type = "invalid_request_error";
  readonly code = "forbidden";
}

export class NotFoundError extends ApiError {
  readonly status = 404;
  readonly type = "invalid_request_error";
  readonly code = "not_found";
}

export class ModelNotFoundError extends ApiError {
  readonly status = 404;
  readonly type = "invalid_request_error";
  readonly code = "model_not_found";
}

/** The client did not send its whole request body in time (HTTP_BODY_TIMEOUT_SECONDS), or its stalled connection made room for another. */
export class BodyTimeoutError extends ApiError {
  readonly status = 408;
  readonly type = "invalid_request_error";
  readonly code = "body_timeout";
}

export class PayloadTooLargeError extends ApiError {
  readonly status = 413;
  readonly type = "invalid_request_error";
  readonly code = "request_too_large";
}

/** The adapter's own queue is full or the wait ran out. */
export class BusyError extends ApiError {
  readonly status = 429;
  readonly type = "rate_limit_error";
  readonly code = "wrapper_busy";
}

/** ChatGPT plan usage limit or upstream rate limit. */
export class UpstreamRateLimitError extends ApiError {
  readonly status = 429;
  readonly type = "rate_limit_error";
  readonly code = "upstream_rate_limit";
}

export class InternalError extends ApiError {
  readonly status = 500;
  readonly type = "server_error";
  readonly code = "internal_error";
}

/** An endpoint of a client API that cannot exist in front of Codex (Ollama's model management, embeddings). */
export class NotImplementedError extends ApiError {
  readonly status = 501;
  readonly type = "invalid_request_error";
  readonly code = "unsupported_endpoint";
}

export class UpstreamError extends ApiError {
  readonly status = 502;
  readonly type = "upstream_error";
  readonly code = "upstream_error";
}

export class UnavailableError extends ApiError {
  readonly status = 503;
  readonly type = "service_unavailable";
  readonly code: string;
  constructor(message: string, options: { code?: string; retryAfterSeconds?: number } = {}) {
    super(message, { retryAfterSeconds: options.retryAfterSeconds ?? 5 });
    this.code = options.code ?? "service_unavailable";
  }
}

export class TimeoutError extends ApiError {
  readonly status = 504;
  readonly type = "timeout_error";
  readonly code = "request_timeout";
}

/** The client went away (mid-body, queued or mid-turn); nobody reads the answer, so the error handler sends nothing meaningful. */
export class ClientGoneError extends Error {
  constructor() {
    super("client disconnected");
    this.name = "ClientGoneError";
  }
}
