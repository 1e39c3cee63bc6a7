import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { MISS_REASONS, type BackendLifecycle } from "../backend/types.ts";
import type { Limiter } from "../core/limiter.ts";
import { CONNECTION_DROP_REASONS, type ConnectionStats } from "../http/listen.ts";
import { CLIENT_ABORT_REASONS, clientAbortReason, type RequestRecord } from "./request-record.ts";

const PREFIX = "codex_provider_";

export interface MetricsSources {
  readonly limiter: Limiter;
  readonly backend: BackendLifecycle;
  /** Whether the adapter can answer right now (the /healthz verdict). */
  readonly ready: () => boolean;
}

/**
 * Prometheus metrics on a registry of their own (no global state): request outcomes and
 * latencies are observed as they finish; live state (queue, turns, restarts) is read at scrape.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"route" | "status" | "code">;
  readonly #duration: Histogram<"route">;
  readonly #ttft: Histogram<"route">;
  readonly #tokens: Counter<"kind">;
  readonly #limitHits: Counter;
  readonly #webSearches: Counter;
  readonly #clientAborts: Counter<"reason">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#requests = new Counter({
      name: `${PREFIX}requests_total`,
      help: "API requests by canonical route, HTTP status and OpenAI error code (code=\"none\" on success).",
      labelNames: ["route", "status", "code"],
      registers,
    });
    this.#duration = new Histogram({
      name: `${PREFIX}request_duration_seconds`,
      help: "Time from request to the last byte (streams: until the stream ended).",
      labelNames: ["route"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#ttft = new Histogram({
      name: `${PREFIX}time_to_first_token_seconds`,
      help: "Time from request to Codex's first answer or reasoning delta.",
      labelNames: ["route"],
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.#tokens = new Counter({
      name: `${PREFIX}tokens_total`,
      help: "Tokens Codex reported: kind=input|output.",
      labelNames: ["kind"],
      registers,
    });
    this.#limitHits = new Counter({
      name: `${PREFIX}upstream_limit_hits_total`,
      help: "Requests refused because the ChatGPT plan's usage or rate limit was reached.",
      registers,
    });
    this.#webSearches = new Counter({
      name: `${PREFIX}web_searches_total`,
      help: "Web searches the model service ran for requests that asked for them.",
      registers,
    });
    this.#clientAborts = new Counter({
      name: `${PREFIX}client_aborts_total`,
      help: "API requests the client ended, not errors: reason=closed (it hung up: 499 client_closed), body_timeout (its body did not arrive in time: 408).",
      labelNames: ["reason"],
      registers,
    });
    for (const reason of CLIENT_ABORT_REASONS) this.#clientAborts.inc({ reason }, 0);
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({ name: `${PREFIX}${name}`, help, registers, collect() { this.set(read()); } });
    gauge("queue_length", "Requests waiting for a concurrency slot.", () => sources.limiter.stats().queued);
    gauge("concurrency_in_use", "Concurrency slots taken.", () => sources.limiter.stats().active);
    gauge("concurrency_limit", "MAX_CONCURRENT_REQUESTS.", () => sources.limiter.stats().capacity);
    gauge("active_turns", "Codex turns in flight.", () => sources.backend.runtime().activeTurns);
    gauge("ready", "1 when /healthz would answer 200.", () => (sources.ready() ? 1 : 0));
    gauge("warm_threads", "Idle Codex threads kept for their conversation's next turn (conversation continuity).", () => sources.backend.runtime().warmThreads?.warm ?? 0);
    new Counter({
      name: `${PREFIX}continuity_hits_total`,
      help: "Requests that continued their conversation on its warm Codex thread.",
      registers,
      collect() {
        this.reset();
        this.inc(sources.backend.runtime().warmThreads?.hits ?? 0);
      },
    });
    new Counter({
      name: `${PREFIX}continuity_misses_total`,
      help: "Requests that continued a conversation on a fresh thread, by reason (no_match: no warm thread has seen this history).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        const misses = sources.backend.runtime().warmThreads?.misses;
        for (const reason of MISS_REASONS) this.inc({ reason }, misses?.[reason] ?? 0);
      },
    });
    new Counter({
      name: `${PREFIX}codex_restarts_total`,
      help: "How often the Codex child was replaced since the adapter started.",
      registers,
      collect() {
        // The supervisor owns the count; mirror it at scrape time.
        this.reset();
        this.inc(sources.backend.runtime().restarts);
      },
    });
  }

  observe(record: RequestRecord): void {
    const { route } = record;
    this.#requests.inc({ route, status: String(record.status), code: record.code ?? "none" });
    this.#duration.observe({ route }, record.durationMs / 1000);
    if (record.ttftMs !== null) this.#ttft.observe({ route }, record.ttftMs / 1000);
    if (record.promptTokens) this.#tokens.inc({ kind: "input" }, record.promptTokens);
    if (record.completionTokens) this.#tokens.inc({ kind: "output" }, record.completionTokens);
    if (record.code === "upstream_rate_limit") this.#limitHits.inc();
    if (record.webSearches) this.#webSearches.inc(record.webSearches);
    const abort = clientAbortReason(record);
    if (abort) this.#clientAborts.inc({ reason: abort });
  }

  /** The listening server's connections (the service calls it once it listens; the app alone has none). */
  watchConnections(read: () => ConnectionStats): void {
    const registers = [this.registry];
    new Gauge({ name: `${PREFIX}open_connections`, help: "Open client connections (HTTP_MAX_CONNECTIONS caps them).", registers, collect() { this.set(read().open); } });
    new Counter({
      name: `${PREFIX}connections_dropped_total`,
      help: "Connections the adapter closed: reason=headers_timeout (no complete request head within HTTP_HEADERS_TIMEOUT_SECONDS), evicted (at HTTP_MAX_CONNECTIONS, the one stalled longest without a complete request, else the longest-idle, to admit a new one), refused (a new one at the cap while every connection was being answered).",
      labelNames: ["reason"],
      registers,
      collect() {
        this.reset();
        const { dropped } = read();
        for (const reason of CONNECTION_DROP_REASONS) this.inc({ reason }, dropped[reason]);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
