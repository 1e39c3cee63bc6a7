import { isLoopbackHost } from "../core/loopback.ts";
import type { ServerBindings } from "./listen.ts";

type Fetch = (request: Request, env: ServerBindings) => Response | Promise<Response>;

export interface OllamaListenerOptions {
  /** The adapter's bearer key, added to a request that brings none when `withoutKey` is on. */
  readonly apiKey: string;
  readonly withoutKey: boolean;
  /** Where the other APIs are, for the answer to a path this port does not serve. */
  readonly mainUrl: string;
}

/** Ollama's own paths: its API and the root that apps probe. */
const isOllamaPath = (path: string) => path === "/" || path === "/api" || path.startsWith("/api/");

const ollamaError = (status: number, error: string) => Response.json({ error }, { status });

/**
 * The optional second port for apps that assume Ollama's 11434 (OLLAMA_PORT). It serves Ollama's
 * paths only, through the main app, so every limit, log line and metric is the same as on the
 * main port. With OLLAMA_WITHOUT_KEY it adds the bearer key to a request that brings none; any
 * web page can make a browser send a request to a local port, so that request must then carry
 * no Origin (browsers add it to every cross-site POST) and a loopback Host (DNS rebinding).
 */
export function ollamaListener(appFetch: Fetch, options: OllamaListenerOptions): Fetch {
  return (request, env) => {
    const url = new URL(request.url);
    if (!isOllamaPath(url.pathname)) {
      return ollamaError(404, `This port serves Ollama's API only (/api/...); the OpenAI and Anthropic APIs are at ${options.mainUrl}/v1.`);
    }
    const headers = new Headers(request.headers);
    if (options.withoutKey && !headers.has("authorization") && !headers.has("x-api-key")) {
      if (headers.has("origin")) return ollamaError(403, "A browser page may not use the keyless Ollama port; send the bearer key (Authorization: Bearer ...).");
      if (!isLoopbackHost(url.hostname)) return ollamaError(403, "The keyless Ollama port answers only to a loopback Host (127.0.0.1, localhost or [::1]).");
      headers.set("authorization", `Bearer ${options.apiKey}`);
    }
    // The body streams through unread; the signal carries a client's disconnect to the turn.
    const init: RequestInit & { duplex: "half" } = { method: request.method, headers, body: request.body, signal: request.signal, duplex: "half" };
    return appFetch(new Request(url, init), env);
  };
}
