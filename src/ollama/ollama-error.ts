import type { ApiError } from "../errors.ts";

/** Ollama's error body: one string (its clients show it as it is; a stream's error line has the same shape). */
export interface OllamaErrorBody {
  error: string;
}

/**
 * The Ollama rendering of an adapter error: the same status, the message naming the offending
 * field when it does not already (Ollama's body has no `param`); headers stay the handler's.
 */
export function ollamaError(error: ApiError): { status: number; body: OllamaErrorBody } {
  const { message, param } = error;
  return { status: error.status, body: { error: param && !message.includes(param) ? `${message} (${param})` : message } };
}
