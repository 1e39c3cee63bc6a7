import path from "node:path";
import { z } from "zod";
import { isLoopbackHost } from "./core/loopback.ts";
import { detectInstallLayout, type InstallLayout } from "./install-layout.ts";
import { DEPLOYMENTS, operatorCommands, type OperatorCommands } from "./operator-commands.ts";

/** Parsed, clamped, frozen configuration. Only this module reads the environment. */
export interface Config {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  /** Who chose dataDir: DATA_DIR (or --data-dir), the checkout (its data/), or the platform's per-user directory. */
  readonly dataDirFrom: "DATA_DIR" | "checkout" | "per-user directory";
  readonly codexHome: string;
  readonly codexWorkDir: string;
  readonly codexBin: string | undefined;
  readonly backend: "app-server" | "exec";
  readonly proxyApiKey: string | undefined;
  readonly proxyApiKeyFile: string;
  readonly upstreamModel: string | undefined;
  readonly requestTimeoutMs: number;
  /** How long a client has to send a request's head, and its whole request (head and body); an idle kept-alive connection's life. */
  readonly httpHeadersTimeoutMs: number;
  readonly httpBodyTimeoutMs: number;
  readonly httpIdleTimeoutMs: number;
  /** Open client connections at most; at the cap the longest-stalled (else longest-idle) one makes room for a new one. */
  readonly httpMaxConnections: number;
  readonly maxRequestBodyBytes: number;
  readonly maxMessages: number;
  readonly maxTotalTextChars: number;
  readonly maxConcurrentRequests: number;
  /** Codex threads kept started ahead of requests (each with its connection to the model service open). */
  readonly spareThreads: number;
  readonly maxQueueLength: number;
  readonly queueWaitMs: number;
  readonly keepAliveMs: number;
  readonly healthCheckIntervalMs: number;
  /** On SIGTERM/SIGINT, how long running requests may finish before they are interrupted. */
  readonly shutdownGraceMs: number;
  readonly corsAllowedOrigins: readonly string[];
  readonly logLevel: LogLevel;
  readonly dashboardEnabled: boolean;
  /** /metrics without the bearer key (for a scraper on the same host). */
  readonly metricsPublic: boolean;
  /** Turns paused on client tool calls kept for a continuation request (0: none, always rebuild). */
  readonly maxWaitingToolTurns: number;
  readonly toolTurnWaitMs: number;
  /** Largest decoded size of one inline image. */
  readonly maxImageBytes: number;
  /** `previous_response_id` window of /v1/responses: how many responses, for how long. */
  readonly responsesStoreMax: number;
  readonly responsesStoreTtlMs: number;
  /** Conversation continuity: idle Codex threads kept for their conversation's next turn (0: off). */
  readonly maxWarmThreads: number;
  /** How long a warm thread may sit idle before it is let go (0: continuity off). */
  readonly warmThreadIdleMs: number;
  /** Where Codex's ChatGPT-backend calls go (ends in `/`); unset: the operator's config.toml, else chatgpt.com. */
  readonly chatgptBaseUrl: string | undefined;
  /** Put the loopback relay (src/chatgpt-relay/) between Codex and the ChatGPT backend. */
  readonly chatgptRelay: boolean;
  /** The sign-in commands hints name: npm's in a checkout, the compose service's in the image (DEPLOYMENT=docker). */
  readonly commands: OperatorCommands;
  /** Requested model ids (or prefixes) answered by another model, optionally at an effort (`MODEL_ALIASES`). */
  readonly modelAliases: readonly ModelAlias[];
  /** /v1/models also lists `<model>-<effort>` for every effort the catalog lists (`MODELS_LIST_EFFORTS`). */
  readonly modelsListEfforts: boolean;
  /**
   * `direct`: every catalog model answers as a plain chat model (the client's functions offered
   * directly, none of Codex's tools); `codex`: the tool mode Codex's catalog gives each model.
   */
  readonly codexToolMode: CodexToolMode;
  /** The reasoning summary asked of models that write one (`none`: never). */
  readonly reasoningSummary: ReasoningSummary;
  /** Web search at the model service for requests that ask for it: live pages, OpenAI's cached index, or refused. */
  readonly webSearch: WebSearchSetting;
  /** A second port serving Ollama's API only, for apps that assume 11434 (`OLLAMA_PORT`; unset: none). */
  readonly ollamaPort: number | undefined;
  /** That port adds the bearer key itself to a request without one (loopback only; docs/security.md). */
  readonly ollamaWithoutKey: boolean;
}

export const CODEX_TOOL_MODES = ["direct", "codex"] as const;
export type CodexToolMode = (typeof CODEX_TOOL_MODES)[number];
export const REASONING_SUMMARIES = ["auto", "concise", "detailed", "none"] as const;
export const WEB_SEARCH_SETTINGS = ["live", "cached", "off"] as const;
export type WebSearchSetting = (typeof WEB_SEARCH_SETTINGS)[number];
export type ReasoningSummary = (typeof REASONING_SUMMARIES)[number];

export interface ModelAlias {
  /** The id, or with `prefix` the start of ids, this alias answers. */
  readonly match: string;
  readonly prefix: boolean;
  /** A catalog model id, or `codex-cli-default`. */
  readonly model: string;
  readonly effort: string | undefined;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** An empty variable (`PORT=` in a .env file) means the same as an unset one. */
const emptyAsUnset = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

/** An integer clamped into [min, max]: out-of-range values are pulled in, not refused (the seed's behaviour). */
const optionalClampedInt = (min: number, max: number) =>
  z.preprocess(
    emptyAsUnset,
    z
      .string()
      .regex(/^\s*-?\d+\s*$/, "expected a whole number")
      .transform((v) => Math.min(max, Math.max(min, Number.parseInt(v, 10))))
      .optional(),
  );
const clampedInt = (fallback: number, min: number, max: number) => optionalClampedInt(min, max).transform((v) => v ?? fallback);

const optionalText = z
  .string()
  .transform((v) => v.trim())
  .optional()
  .transform((v) => (v ? v : undefined));

/** An http(s) URL, normalised to end in `/` so relative paths resolve under it. */
const backendUrl = z
  .string()
  .trim()
  .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), "expected an http:// or https:// URL")
  .transform((v) => (v.endsWith("/") ? v : `${v}/`));

/** One of a fixed set of words, or the default. */
const choice = <const T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z.preprocess(emptyAsUnset, z.enum(values).optional()).transform((v) => v ?? fallback);

/** true/false (also 1/0, yes/no, on/off), or the default. */
const flag = (fallback: boolean) =>
  z
    .preprocess(
      (v) => (typeof v === "string" ? (emptyAsUnset(v) as string | undefined)?.trim().toLowerCase() : v),
      z.enum(["true", "false", "1", "0", "yes", "no", "on", "off"], "expected true or false").optional(),
    )
    .transform((v) => (v === undefined ? fallback : ["true", "1", "yes", "on"].includes(v)));

/** `pattern=model[:effort]` pairs separated by commas; a pattern ending in `*` is a prefix. */
const modelAliases = optionalText.transform((v, ctx): ModelAlias[] => {
  const aliases: ModelAlias[] = [];
  for (const entry of (v ?? "").split(",").map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=\s*]+)(\*?)\s*=\s*([^:=\s]+)(?::([a-z]+))?$/.exec(entry);
    if (!match?.[1] || !match[3]) {
      ctx.addIssue({ code: "custom", message: `'${entry}' is not pattern=model or pattern=model:effort (a pattern may end in *)` });
      continue;
    }
    aliases.push({ match: match[1], prefix: match[2] === "*", model: match[3], effort: match[4] });
  }
  return aliases;
});

const envSchema = z.object({
  HOST: optionalText.transform((v) => v ?? "127.0.0.1"),
  PORT: clampedInt(8320, 0, 65535),
  DATA_DIR: optionalText,
  CODEX_HOME: optionalText,
  CODEX_WORK_DIR: optionalText,
  CODEX_BIN: optionalText,
  CODEX_BACKEND: choice(["app-server", "exec"], "app-server"),
  PROXY_API_KEY: optionalText,
  PROXY_API_KEY_FILE: optionalText,
  CODEX_UPSTREAM_MODEL: optionalText,
  CODEX_REQUEST_TIMEOUT_SECONDS: clampedInt(180, 5, 900),
  // A local service: clients send a head in one packet and a body at loopback or LAN speed (the
  // largest body, 25 MB, in 30 s is about 7 Mbit/s); Node's own 60 s and 300 s let a slow client
  // hold a connection for minutes. None of them applies to an answer being written.
  HTTP_HEADERS_TIMEOUT_SECONDS: clampedInt(10, 1, 300),
  HTTP_BODY_TIMEOUT_SECONDS: clampedInt(30, 1, 900),
  HTTP_IDLE_TIMEOUT_SECONDS: clampedInt(5, 1, 600),
  HTTP_MAX_CONNECTIONS: clampedInt(256, 16, 65_536),
  // Sized for agents: a few photos as data URLs plus a conversation as long as the largest
  // context window in Codex's catalog (500,000 tokens, about 4 characters each); the model's
  // own window is the real limit, and Codex reports it (context_length_exceeded).
  MAX_REQUEST_BODY_BYTES: clampedInt(25_000_000, 1024, 100_000_000),
  MAX_MESSAGES: clampedInt(10_000, 1, 100_000),
  MAX_TOTAL_TEXT_CHARS: clampedInt(2_000_000, 1, 8_000_000),
  MAX_CONCURRENT_REQUESTS: clampedInt(8, 1, 64),
  SPARE_THREADS: optionalClampedInt(0, 64),
  MAX_QUEUE_LENGTH: clampedInt(32, 0, 1000),
  QUEUE_WAIT_SECONDS: clampedInt(5, 0, 120),
  SSE_KEEPALIVE_SECONDS: clampedInt(15, 1, 60),
  HEALTH_CHECK_INTERVAL_SECONDS: clampedInt(30, 5, 3600),
  SHUTDOWN_GRACE_SECONDS: clampedInt(10, 0, 300),
  CORS_ALLOWED_ORIGINS: optionalText,
  LOG_LEVEL: choice(LOG_LEVELS, "info"),
  DASHBOARD_ENABLED: flag(true),
  METRICS_PUBLIC: flag(false),
  MAX_WAITING_TOOL_TURNS: clampedInt(16, 0, 256),
  TOOL_TURN_WAIT_SECONDS: clampedInt(120, 5, 1800),
  MAX_IMAGE_BYTES: clampedInt(5_000_000, 1024, 20_000_000),
  RESPONSES_STORE_MAX: clampedInt(100, 0, 10_000),
  RESPONSES_STORE_TTL_SECONDS: clampedInt(3600, 60, 86_400),
  MAX_WARM_THREADS: clampedInt(32, 0, 256),
  WARM_THREAD_IDLE_SECONDS: clampedInt(1800, 0, 86_400),
  MODEL_ALIASES: modelAliases,
  MODELS_LIST_EFFORTS: flag(false),
  CHATGPT_BASE_URL: z.preprocess(emptyAsUnset, backendUrl.optional()),
  CHATGPT_RELAY: flag(true),
  DEPLOYMENT: choice(DEPLOYMENTS, "local"),
  CODEX_TOOL_MODE: choice(CODEX_TOOL_MODES, "direct"),
  REASONING_SUMMARY: choice(REASONING_SUMMARIES, "auto"),
  WEB_SEARCH: choice(WEB_SEARCH_SETTINGS, "live"),
  OLLAMA_PORT: optionalClampedInt(0, 65535),
  OLLAMA_WITHOUT_KEY: flag(false),
});

const DEFAULT_SPARE_THREADS_MAX = 16;

/**
 * Parse the environment once; every bad variable is reported together. Relative paths resolve
 * against `cwd`; without DATA_DIR the data directory is the install's (InstallLayout).
 */
export function loadConfig(env: NodeJS.ProcessEnv, cwd = process.cwd(), install: InstallLayout = detectInstallLayout(env)): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
  if (env.OPENAI_API_KEY?.trim()) {
    problems.push("OPENAI_API_KEY is set: this adapter only uses a ChatGPT sign-in and refuses to run with an API key in its environment");
  }
  const weakness = env.PROXY_API_KEY?.trim() ? describeWeakKey(env.PROXY_API_KEY.trim()) : undefined;
  if (weakness) problems.push(`PROXY_API_KEY ${weakness}`);
  if (parsed.success) problems.push(...keylessOllamaProblems(parsed.data));
  if (!parsed.success || problems.length) throw new ConfigError(problems);
  const e = parsed.data;

  const dataDir = e.DATA_DIR ? path.resolve(cwd, e.DATA_DIR) : install.defaultDataDir;
  return Object.freeze({
    host: e.HOST,
    port: e.PORT,
    dataDir,
    dataDirFrom: e.DATA_DIR ? "DATA_DIR" : install.kind === "checkout" ? "checkout" : "per-user directory",
    codexHome: path.resolve(cwd, e.CODEX_HOME ?? path.join(dataDir, "codex-home")),
    codexWorkDir: path.resolve(cwd, e.CODEX_WORK_DIR ?? path.join(dataDir, "codex-work")),
    codexBin: e.CODEX_BIN ? path.resolve(cwd, e.CODEX_BIN) : undefined,
    backend: e.CODEX_BACKEND,
    proxyApiKey: e.PROXY_API_KEY,
    proxyApiKeyFile: path.resolve(cwd, e.PROXY_API_KEY_FILE ?? path.join(dataDir, "secrets", "proxy_api_key")),
    upstreamModel: e.CODEX_UPSTREAM_MODEL,
    requestTimeoutMs: e.CODEX_REQUEST_TIMEOUT_SECONDS * 1000,
    // The whole request includes its head, so the head's limit is at most the whole's (Node refuses more).
    httpHeadersTimeoutMs: Math.min(e.HTTP_HEADERS_TIMEOUT_SECONDS, e.HTTP_BODY_TIMEOUT_SECONDS) * 1000,
    httpBodyTimeoutMs: e.HTTP_BODY_TIMEOUT_SECONDS * 1000,
    httpIdleTimeoutMs: e.HTTP_IDLE_TIMEOUT_SECONDS * 1000,
    httpMaxConnections: e.HTTP_MAX_CONNECTIONS,
    maxRequestBodyBytes: e.MAX_REQUEST_BODY_BYTES,
    maxMessages: e.MAX_MESSAGES,
    maxTotalTextChars: e.MAX_TOTAL_TEXT_CHARS,
    maxConcurrentRequests: e.MAX_CONCURRENT_REQUESTS,
    // Unset: two full waves of requests, so a burst after a quiet spell finds threads whose connection is open.
    spareThreads: e.SPARE_THREADS ?? Math.min(DEFAULT_SPARE_THREADS_MAX, 2 * e.MAX_CONCURRENT_REQUESTS),
    maxQueueLength: e.MAX_QUEUE_LENGTH,
    queueWaitMs: e.QUEUE_WAIT_SECONDS * 1000,
    keepAliveMs: e.SSE_KEEPALIVE_SECONDS * 1000,
    healthCheckIntervalMs: e.HEALTH_CHECK_INTERVAL_SECONDS * 1000,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS * 1000,
    corsAllowedOrigins: Object.freeze(
      (e.CORS_ALLOWED_ORIGINS ?? "").split(",").map((o) => o.trim()).filter(Boolean),
    ),
    logLevel: e.LOG_LEVEL,
    dashboardEnabled: e.DASHBOARD_ENABLED,
    metricsPublic: e.METRICS_PUBLIC,
    maxWaitingToolTurns: e.MAX_WAITING_TOOL_TURNS,
    toolTurnWaitMs: e.TOOL_TURN_WAIT_SECONDS * 1000,
    maxImageBytes: e.MAX_IMAGE_BYTES,
    responsesStoreMax: e.RESPONSES_STORE_MAX,
    responsesStoreTtlMs: e.RESPONSES_STORE_TTL_SECONDS * 1000,
    maxWarmThreads: e.MAX_WARM_THREADS,
    warmThreadIdleMs: e.WARM_THREAD_IDLE_SECONDS * 1000,
    modelAliases: Object.freeze(e.MODEL_ALIASES.map((a) => Object.freeze(a))),
    modelsListEfforts: e.MODELS_LIST_EFFORTS,
    chatgptBaseUrl: e.CHATGPT_BASE_URL,
    chatgptRelay: e.CHATGPT_RELAY,
    commands: Object.freeze(operatorCommands(e.DEPLOYMENT, install.kind)),
    codexToolMode: e.CODEX_TOOL_MODE,
    reasoningSummary: e.REASONING_SUMMARY,
    webSearch: e.WEB_SEARCH,
    ollamaPort: e.OLLAMA_PORT,
    ollamaWithoutKey: e.OLLAMA_WITHOUT_KEY,
  });
}

/** A port that answers without a key must be one only this machine reaches. */
function keylessOllamaProblems(e: z.infer<typeof envSchema>): string[] {
  if (!e.OLLAMA_WITHOUT_KEY) return [];
  if (e.OLLAMA_PORT === undefined) return ["OLLAMA_WITHOUT_KEY is set but OLLAMA_PORT is not: the keyless listener is the Ollama port (e.g. OLLAMA_PORT=11434)"];
  if (!isLoopbackHost(e.HOST.toLowerCase()) && e.HOST !== "::1") return [`OLLAMA_WITHOUT_KEY needs a loopback HOST (127.0.0.1, localhost or ::1), not ${e.HOST}: a port without a key must not be reachable from other machines`];
  return [];
}

const PLACEHOLDER = /change.?me|placeholder|your.?(api.?)?key|example|secret|password|replace|xxxx/i;

/** Why a bearer key is too weak to protect the adapter, or undefined when it is acceptable. */
export function describeWeakKey(key: string): string | undefined {
  if (key.length < 32) return "is shorter than 32 characters";
  if (PLACEHOLDER.test(key)) return "looks like a placeholder";
  if (new Set(key).size < 8) return "has too few distinct characters";
  return undefined;
}
