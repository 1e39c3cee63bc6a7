import type { Clock } from "../core/clock.ts";
import { percentile } from "./percentile.ts";
import { CLIENT_ABORT_REASONS, clientAbortReason, type ClientAbortReason, type RequestRecord } from "./request-record.ts";

const MINUTE_MS = 60_000;
/** Latency samples kept per minute for the chart's percentiles; a busier minute keeps its first ones. */
const SAMPLES_PER_MINUTE = 1000;

export interface MinuteSummary {
  /** Start of the minute (epoch ms). */
  readonly minute: number;
  readonly requests: number;
  /** Requests answered with an error status; client aborts (hang-ups, bodies not in time) are not errors. */
  readonly errors: number;
  readonly p50Ms: number | null;
  readonly p95Ms: number | null;
}

interface MinuteBucket {
  requests: number;
  errors: number;
  readonly durations: number[];
}

/**
 * The dashboard's memory: the last `capacity` requests, error counts by code and client aborts
 * by reason since start, and per-minute counts and latencies for the last hour. Bounded in size
 * whatever the traffic.
 */
export class RecentRequests {
  readonly #capacity: number;
  readonly #clock: Clock;
  readonly #events: RequestRecord[] = [];
  readonly #errorsByCode = new Map<string, number>();
  readonly #minutes = new Map<number, MinuteBucket>();
  readonly #clientAborts = Object.fromEntries(CLIENT_ABORT_REASONS.map((r) => [r, 0])) as Record<ClientAbortReason, number>;
  #webSearches = 0;

  constructor(options: { capacity: number; clock: Clock }) {
    this.#capacity = options.capacity;
    this.#clock = options.clock;
  }

  add(record: RequestRecord): void {
    this.#events.push(record);
    if (this.#events.length > this.#capacity) this.#events.shift();
    this.#webSearches += record.webSearches;
    const abort = clientAbortReason(record);
    if (abort) this.#clientAborts[abort] += 1;
    const error = record.status >= 400 && !abort;
    if (error) {
      const code = record.code ?? String(record.status);
      this.#errorsByCode.set(code, (this.#errorsByCode.get(code) ?? 0) + 1);
    }
    const minute = Math.floor(record.time / MINUTE_MS) * MINUTE_MS;
    let bucket = this.#minutes.get(minute);
    if (!bucket) {
      bucket = { requests: 0, errors: 0, durations: [] };
      this.#minutes.set(minute, bucket);
      this.#prune();
    }
    bucket.requests += 1;
    if (error) bucket.errors += 1;
    if (bucket.durations.length < SAMPLES_PER_MINUTE) bucket.durations.push(record.durationMs);
  }

  /** Newest first. */
  events(): RequestRecord[] {
    return [...this.#events].reverse();
  }

  /** Web searches the model service ran since start. */
  webSearches(): number {
    return this.#webSearches;
  }

  /** Requests the client ended since start (hung up; body not in time), kept out of the error counts. */
  clientAborts(): Record<ClientAbortReason, number> {
    return { ...this.#clientAborts };
  }

  errorsByCode(): Record<string, number> {
    return Object.fromEntries(this.#errorsByCode);
  }

  /** p50/p95 over the requests still in the event window. */
  latency(): { p50Ms: number | null; p95Ms: number | null; samples: number } {
    const durations = this.#events.map((e) => e.durationMs);
    return { p50Ms: percentile(durations, 50), p95Ms: percentile(durations, 95), samples: durations.length };
  }

  /** One entry per minute of the last hour, oldest first, empty minutes included. */
  lastHour(): MinuteSummary[] {
    this.#prune();
    const current = Math.floor(this.#clock.nowMs() / MINUTE_MS) * MINUTE_MS;
    const summaries: MinuteSummary[] = [];
    for (let minute = current - 59 * MINUTE_MS; minute <= current; minute += MINUTE_MS) {
      const b = this.#minutes.get(minute);
      summaries.push({
        minute,
        requests: b?.requests ?? 0,
        errors: b?.errors ?? 0,
        p50Ms: b ? percentile(b.durations, 50) : null,
        p95Ms: b ? percentile(b.durations, 95) : null,
      });
    }
    return summaries;
  }

  #prune(): void {
    const oldest = Math.floor(this.#clock.nowMs() / MINUTE_MS) * MINUTE_MS - 59 * MINUTE_MS;
    for (const minute of this.#minutes.keys()) if (minute < oldest) this.#minutes.delete(minute);
  }
}
