import http from "node:http";
import net from "node:net";
import tls from "node:tls";
import type { AddressInfo } from "node:net";
import { accountsCheck, defaultLimits, faultAnswer, modelsCatalog, usage, type StandInLimits } from "./chatgpt-backend-answers.ts";
import { answerModelPost, modelWebSocketServer, parseModelBody, type ModelCall, type ModelFault } from "./chatgpt-model-stream.ts";
import { FAKE_ACCOUNT_ID, fakeChatGptAuthJson } from "./fake-chatgpt-auth.ts";
import { DEFAULT_DELTAS, type Behavior } from "./responses-answer.ts";
import { makeThrowawayTls } from "./throwaway-tls.ts";

/**
 * The endpoints Codex 0.171.0 calls on the ChatGPT backend, by the stand-in's names; plus
 * "token-refresh", the sign-in issuer's `POST /oauth/token` (Codex refreshes its token after a
 * 401), reached through the egress guard's auth.openai.com tunnel or
 * CODEX_REFRESH_TOKEN_URL_OVERRIDE, and in neither fault group.
 */
export type Endpoint = "accounts-check" | "models" | "settings" | "usage" | "reset-credits" | "analytics" | "responses" | "token-refresh" | "other";

const ROUTES: Readonly<Record<string, Endpoint>> = {
  "/backend-api/wham/accounts/check": "accounts-check",
  "/backend-api/codex/models": "models",
  "/backend-api/wham/settings/user": "settings",
  "/backend-api/wham/usage": "usage",
  "/backend-api/wham/rate-limit-reset-credits": "reset-credits",
  "/backend-api/codex/analytics-events/events": "analytics",
  "/backend-api/codex/responses": "responses",
  // auth.openai.com's token endpoint, when the egress guard tunnels that host here too
  "/oauth/token": "token-refresh",
};

/** One call as the stand-in saw it: never a header value, never a query value (they may be secret). */
export interface BackendCall {
  /** HTTP method; for a message on a WebSocket, its `type` (`response.create`). */
  readonly method: string;
  /** Path with query keys only: `/backend-api/codex/models?client_version=`. */
  readonly path: string;
  readonly endpoint: Endpoint;
  /** Names of the request headers present (lower case, sorted); the upgrade's for a WebSocket message. */
  readonly headers: readonly string[];
  /** Milliseconds since the stand-in started. */
  readonly at: number;
  readonly transport: "http" | "ws";
  /** Which TCP connection (1, 2, …): a new number is a new connection, so a new TCP + TLS handshake in real use. */
  readonly connection: number;
}

/** A failure mode: an HTTP status with the backend's error body, or "blackhole" (accept and never answer). */
export type Fault = ModelFault;

export interface StandInChatGptOptions {
  /** The account id accounts/check names (default the fabricated login's; another one breaks workspace routing). */
  readonly accountId?: string;
  /** "self" (default): accounts/check names the stand-in's own https origin; "NO_CONSTRAINT": Codex uses chatgpt_base_url's origin. */
  readonly workspaceOrigin?: "self" | "NO_CONSTRAINT";
  /** The origin the stand-in answers as ("self" above), e.g. `https://chatgpt.com` when the egress guard tunnels that host here; default its own. */
  readonly publicOrigin?: string;
  /** Every new TCP connection waits this long before it is served (TCP + TLS to a remote host). */
  readonly connectionDelayMs?: number;
  /** Answer WebSocket upgrades with 426, so Codex falls back to the HTTP POST. */
  readonly refuseWebSocket?: boolean;
  /** Token refreshes get fresh fabricated tokens; by default they are refused (`refresh_token_invalidated`). */
  readonly grantTokenRefresh?: boolean;
}

export interface StandInChatGptBackend {
  /** `https://127.0.0.1:PORT/backend-api/`, for `chatgpt_base_url`. */
  readonly baseUrl: string;
  /** The TCP port it listens on (the egress guard's tunnel target). */
  readonly port: number;
  readonly origin: string;
  /** `https://127.0.0.1:PORT/backend-api/codex`, for `openai_base_url` (where Codex 0.171.0 fetches `codex/models`). */
  readonly modelBaseUrl: string;
  /** For CODEX_REFRESH_TOKEN_URL_OVERRIDE (the probe): refused, or granted with `grantTokenRefresh`; the "token-refresh" fault overrides either. */
  readonly tokenRefreshUrl: string;
  /** The throwaway CA that signed the stand-in's certificate (for SSL_CERT_FILE). */
  readonly caFile: string;
  /** Sets how the following model calls are answered (a function may pick per call). */
  behave(behavior: Behavior | ((call: ModelCall) => Behavior)): void;
  /** Makes an endpoint, or a group ("model": the stream; "rest": every other call), fail; undefined heals it. */
  fault(target: Endpoint | "model" | "rest", fault: Fault | undefined): void;
  /** Sets the usage windows reported from now on. */
  setLimits(limits: Partial<StandInLimits>): void;
  readonly limits: StandInLimits;
  /** Every call, in order of arrival. */
  readonly calls: readonly BackendCall[];
  /** The model requests (decoded bodies; WebSocket warm-ups left out), in order. */
  readonly modelCalls: readonly ModelCall[];
  /** Answers cut off by `dropAfterDeltas` so far. */
  readonly droppedConnections: number;
  /** Settable at any time: applies to connections accepted from then on. */
  connectionDelayMs: number;
  refuseWebSocket: boolean;
  close(): Promise<void>;
}

function refreshedTokens(): object {
  const { tokens } = JSON.parse(fakeChatGptAuthJson()) as { tokens: object };
  return { ...tokens, expires_in: 3600 };
}

/** A local stand-in for chatgpt.com's backend, on 127.0.0.1 with https (Codex requires it for the model stream). */
export async function startStandInChatGptBackend(options: StandInChatGptOptions = {}): Promise<StandInChatGptBackend> {
  const startedAt = Date.now();
  const cert = makeThrowawayTls();
  const secureContext = tls.createSecureContext({ key: cert.key, cert: cert.cert });
  const calls: BackendCall[] = [];
  const modelCalls: ModelCall[] = [];
  const faults = new Map<string, Fault>();
  const knobs = { connectionDelayMs: options.connectionDelayMs ?? 0, refuseWebSocket: options.refuseWebSocket ?? false, dropped: 0 };
  let limits = defaultLimits();
  let pick: (call: ModelCall) => Behavior = () => ({ deltas: DEFAULT_DELTAS });
  const catalog = modelsCatalog();
  let origin = "";
  /** Which TCP connection each TLS socket is (see BackendCall.connection). */
  const connectionIds = new WeakMap<net.Socket, number>();
  const faultFor = (endpoint: Endpoint) =>
    faults.get(endpoint) ?? (endpoint === "token-refresh" ? undefined : faults.get(endpoint === "responses" ? "model" : "rest"));

  const record = (req: http.IncomingMessage, method: string, transport: BackendCall["transport"]): BackendCall => {
    const url = new URL(req.url ?? "/", "https://127.0.0.1");
    const keys = [...new Set(url.searchParams.keys())].map((k) => `${k}=`).join("&");
    const call: BackendCall = {
      method,
      path: keys ? `${url.pathname}?${keys}` : url.pathname,
      endpoint: ROUTES[url.pathname] ?? "other",
      headers: Object.keys(req.headers).sort(),
      at: Date.now() - startedAt,
      transport,
      connection: connectionIds.get(req.socket) ?? 0,
    };
    calls.push(call);
    return call;
  };

  const modelState = {
    behavior: (call: ModelCall) => pick(call),
    fault: () => faultFor("responses"),
    limits: () => limits,
    dropped: () => void (knobs.dropped += 1),
    record: (call: ModelCall) => modelCalls.push(call),
    logMessage: (upgrade: http.IncomingMessage, method: string) => void record(upgrade, method, "ws"),
  };
  const wss = modelWebSocketServer(modelState);

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const call = record(req, req.method ?? "?", "http");
      const fault = faultFor(call.endpoint);
      if (call.endpoint === "responses" && req.method === "POST") {
        let body;
        try {
          body = parseModelBody(Buffer.concat(chunks), req.headers["content-encoding"]);
        } catch {
          return void res.writeHead(400).end();
        }
        return void answerModelPost(res, body, modelState);
      }
      if (fault === "blackhole") return;
      const json = (status: number, value: object, headers: Record<string, string> = {}) =>
        void res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(value));
      if (fault) {
        const f = faultAnswer(fault, limits, call.endpoint === "token-refresh");
        return json(f.status, f.body, f.headers);
      }
      switch (call.endpoint) {
        case "accounts-check":
          return json(200, accountsCheck(options.accountId ?? FAKE_ACCOUNT_ID, options.workspaceOrigin === "NO_CONSTRAINT" ? "NO_CONSTRAINT" : (options.publicOrigin ?? origin)));
        case "models":
          return json(200, catalog);
        case "settings":
          return json(200, { commit_attribution_enabled: false });
        case "usage":
          return json(200, usage(limits));
        case "reset-credits":
          return json(200, { credits: [] });
        case "analytics":
          return json(200, {});
        case "token-refresh":
          if (options.grantTokenRefresh) return json(200, refreshedTokens());
          // By default the refresh token is no longer valid: the login is over until the operator signs in again.
          return json(401, { error: { code: "refresh_token_invalidated", message: "Your refresh token has been invalidated." } });
        default:
          return json(404, { detail: "Not Found" });
      }
    });
  });

  server.on("upgrade", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    const call = record(req, "GET", "ws");
    socket.on("error", () => undefined);
    if (call.endpoint !== "responses") return void socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    if (faultFor("responses") === "blackhole") return; // the upgrade hangs like the stream
    if (knobs.refuseWebSocket) return void socket.end("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  // TCP is accepted here, held for the connection delay, then wrapped in TLS and handed to the HTTP server.
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const front = net.createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => undefined);
    const id = ++connections;
    const hand = () => {
      if (socket.destroyed) return;
      const secure = new tls.TLSSocket(socket, { isServer: true, secureContext });
      secure.on("error", () => socket.destroy());
      connectionIds.set(secure, id);
      server.emit("connection", secure);
    };
    if (knobs.connectionDelayMs > 0) setTimeout(hand, knobs.connectionDelayMs);
    else hand();
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  origin = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;

  return {
    baseUrl: `${origin}/backend-api/`,
    port: (front.address() as AddressInfo).port,
    origin,
    modelBaseUrl: `${origin}/backend-api/codex`,
    tokenRefreshUrl: `${origin}/oauth/token`,
    caFile: cert.caFile,
    calls,
    modelCalls,
    get droppedConnections() {
      return knobs.dropped;
    },
    get connectionDelayMs() {
      return knobs.connectionDelayMs;
    },
    set connectionDelayMs(ms: number) {
      knobs.connectionDelayMs = ms;
    },
    get refuseWebSocket() {
      return knobs.refuseWebSocket;
    },
    set refuseWebSocket(on: boolean) {
      knobs.refuseWebSocket = on;
    },
    behave(behavior) {
      pick = typeof behavior === "function" ? behavior : () => behavior;
    },
    fault(target, fault) {
      if (fault === undefined) faults.delete(target);
      else faults.set(target, fault);
    },
    setLimits(next) {
      limits = { ...limits, ...next };
    },
    get limits() {
      return limits;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        for (const s of sockets) s.destroy();
        server.close();
        front.close(() => {
          cert.remove();
          resolve();
        });
      }),
  };
}
