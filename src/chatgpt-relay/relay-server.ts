import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Dispatcher } from "undici";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../core/logger.ts";
import { isLoopbackHost } from "../core/loopback.ts";
import { forward } from "./forward.ts";
import { pinUnconstrainedOrigin } from "./workspace-routing.ts";

export interface ChatGptRelayOptions {
  /** The real ChatGPT backend, ending in `/` (CHATGPT_BASE_URL). */
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

/**
 * A loopback pass-through for Codex's ChatGPT-backend calls: one local answer, everything else
 * forwarded unchanged. It logs the path and status only, never a header, query or body.
 */
export async function startChatGptRelay(options: ChatGptRelayOptions): Promise<ChatGptRelay> {
  const prefix = options.target.pathname;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const started = options.clock.nowMs();
    const host = (req.headers.host ?? "").replace(/:\d+$/, "");
    const [pathPart = "", query] = (req.url ?? "").split("?", 2);
    if (!isLoopbackHost(host) || !pathPart.startsWith(prefix)) {
      req.resume();
      res.writeHead(404).end();
      return;
    }
    const route = pathPart.slice(prefix.length);
    const log = (status: number, how: string) =>
      options.logger.debug("chatgpt backend call", { method: req.method, path: route, status, how, ms: options.clock.nowMs() - started });
    if (req.method === "GET" && route === USER_SETTINGS_PATH) {
      req.resume();
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(USER_SETTINGS_ANSWER);
      log(200, "answered");
      return;
    }
    const target = new URL(route + (query === undefined ? "" : `?${query}`), options.target);
    const rewrite = route === ACCOUNTS_CHECK_PATH ? (body: Buffer) => pinUnconstrainedOrigin(body, options.target.origin) : undefined;
    void forward(req, res, target, { dispatcher: options.dispatcher, ...(rewrite ? { rewrite } : {}) }).then((status) => log(status, "forwarded"));
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
    baseUrl: `http://127.0.0.1:${port}${prefix}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
