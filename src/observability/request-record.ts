/** One finished API request, as the dashboard, /metrics and the request log see it. Never content. */
export interface RequestRecord {
  /** When the request arrived (epoch ms). */
  readonly time: number;
  readonly requestId: string;
  readonly method: string;
  /** The canonical route (e.g. "/v1/chat/completions" also for "/chat/completions"). */
  readonly route: string;
  readonly status: number;
  /** The OpenAI error code sent (HTTP error or mid-stream error frame), else null. */
  readonly code: string | null;
  readonly durationMs: number;
  /** Time until Codex produced the first answer or reasoning delta. */
  readonly ttftMs: number | null;
  readonly model: string | null;
  readonly stream: boolean | null;
  readonly promptTokens: number | null;
  readonly completionTokens: number | null;
  /** Web searches the model service ran for the request (0 when none). */
  readonly webSearches: number;
}
