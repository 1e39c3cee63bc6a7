import { randomUUID } from "node:crypto";
import type { TokenUsage } from "../backend/types.ts";
import type { Clock } from "../core/clock.ts";
import type { RequestRecord } from "../observability/request-record.ts";
import { routeLabel } from "./api-routes.ts";

type Notes = { -readonly [K in "model" | "stream" | "code" | "ttftMs" | "promptTokens" | "completionTokens" | "webSearches"]: RequestRecord[K] };

/**
 * Follows one HTTP request to its real end (for a stream: when the stream closes, not when the
 * headers go out) and hands the finished record to `onEnd` exactly once.
 */
export class RequestTrace {
  readonly id = `req_${randomUUID().replaceAll("-", "")}`;
  readonly method: string;
  readonly path: string;
  readonly #time: number;
  readonly #started = performance.now();
  readonly #onEnd: (record: RequestRecord, api: boolean) => void;
  #notes: Notes = { model: null, stream: null, code: null, ttftMs: null, promptTokens: null, completionTokens: null, webSearches: 0 };
  #deferred = false;
  #ended = false;

  /** `onEnd` learns whether the path was an API route (non-API paths keep their path as `route`). */
  constructor(method: string, path: string, clock: Clock, onEnd: (record: RequestRecord, api: boolean) => void) {
    this.#time = clock.nowMs();
    this.method = method;
    this.path = path;
    this.#onEnd = onEnd;
  }

  note(notes: Partial<Notes>): void {
    this.#notes = { ...this.#notes, ...notes };
  }

  /** Marks the first answer or reasoning delta (only the first call counts). */
  firstToken(): void {
    this.#notes.ttftMs ??= Math.round(performance.now() - this.#started);
  }

  /** One more web search done for the request. */
  webSearched(): void {
    this.#notes.webSearches += 1;
  }

  usage(usage: TokenUsage): void {
    this.note({ promptTokens: usage.inputTokens, completionTokens: usage.outputTokens });
  }

  /** The response outlives the handler (a stream): the route calls end() itself. */
  defer(): void {
    this.#deferred = true;
  }

  get deferred(): boolean {
    return this.#deferred;
  }

  end(status: number): void {
    if (this.#ended) return;
    this.#ended = true;
    const route = routeLabel(this.path);
    const durationMs = Math.round(performance.now() - this.#started);
    const record = { time: this.#time, requestId: this.id, method: this.method, route: route ?? this.path, status, durationMs, ...this.#notes };
    this.#onEnd(record, route !== undefined);
  }
}
