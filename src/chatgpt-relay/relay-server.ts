import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Dispatcher } from "undici";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/logger.ts";
import { isLoopbackHost } from "../core/loopback.ts";
import { forward } from "./forward.ts";
import { isBrowserRequest, relayBase, resolveRelayTarget } from "./request-guard.ts";
import { pinUnconstrainedOrigin } from "./workspace-routing.ts";

export interface ChatGptRelayOptions {
  /** The real ChatGPT backend (CHATGPT_BASE_URL); its path is the base path, a missing trailing `/` added. */
  readonly target: URL;
  readonly dispatcher: Dispatcher;
  readonly logger: Logger;
  /** Times each call for its log line. */
  readonly clock: Clock;
}

export interface ChatGptRelay {
  /** What Codex gets as `chatgpt_base_url`: the relay on 127.0.0.1 with the target's path. */
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * Codex's git-attribution extension fetches this before the model request of every turn on a new
 * thread (one round trip to chatgpt.com per chat request). A chat adapter wants no commit-trailer
 * instruction in its prompt anyway, so the relay answers it at once, attribution off.
 */
const USER_SETTINGS_PATH = "wham/settings/user";
const USER_SETTINGS_ANSWER = JSON.stringify({ commit_attribution_enabled: false });
const ACCOUNTS_CHECK_PATH = "wham/accounts/check";
/** A refusal's fixed answer: never the path or anything else the caller sent. */
const REFUSED = { 400: "not a ChatGPT backend path", 403: "browser requests are refused", 404: "not found" } as const;

/**
 * A loopback pass-through for Codex's ChatGPT-backend calls: one local answer, everything else
 * forwarded unchanged, to the target's origin and under its base path only (request-guard.ts).
 * It logs the path and status only, never a header, query or body.
 */
export async function startChatGptRelay(options: ChatGptRelayOptions): Promise<ChatGptRelay> {
  const base = relayBase(options.target);
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const started = options.clock.nowMs();
    const refuse = (status: keyof typeof REFUSED, reason: string) => {
      req.resume();
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" }).end(JSON.stringify({ error: REFUSED[status] }));
      options.logger.warn("chatgpt relay refused a request", { status, reason });
    };
    if (isBrowserRequest(req.headers)) {
      refuse(403, "browser request");
      return;
    }
    if (!isLoopbackHost((req.headers.host ?? "").replace(/:\d+$/, ""))) {
      refuse(404, "Host is not loopback (DNS rebinding)");
      return;
    }
    const resolved = resolveRelayTarget(base, req.url ?? "");
    if (!resolved.ok) {
      refuse(resolved.status, resolved.reason);
      return;
    }
    const { route, url } = resolved;
    const log = (status: number, how: string) =>
      options.logger.debug("chatgpt backend call", { method: req.method, path: route, status, how, ms: options.clock.nowMs() - started });
    if (req.method === "GET" && route === USER_SETTINGS_PATH) {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(USER_SETTINGS_ANSWER);
      log(200, "answered");
      return;
    }
    const rewrite = route === ACCOUNTS_CHECK_PATH ? (body: Buffer) => pinUnconstrainedOrigin(body, base.origin) : undefined;
    void forward(req, res, url, { dispatcher: options.dispatcher, ...(rewrite ? { rewrite } : {}) }).then((status) => log(status, "forwarded"));
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // The model stream never comes here (it goes to the workspace origin); an upgrade is refused, not hung.
  server.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}${base.pathname}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
