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

/** Why the client, not the adapter, ended a request: it hung up (499) or its body did not arrive in time (408). */
export const CLIENT_ABORT_REASONS = ["closed", "body_timeout"] as const;
export type ClientAbortReason = (typeof CLIENT_ABORT_REASONS)[number];

/** The request code of each reason (what the request log and `requests_total` show). */
export const CLIENT_ABORT_CODES: Readonly<Record<ClientAbortReason, string>> = { closed: "client_closed", body_timeout: "body_timeout" };

/** A client abort's reason, or undefined for a request the adapter answered (successfully or not). */
export function clientAbortReason(record: Pick<RequestRecord, "code">): ClientAbortReason | undefined {
  return CLIENT_ABORT_REASONS.find((reason) => CLIENT_ABORT_CODES[reason] === record.code);
}
