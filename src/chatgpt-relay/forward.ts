import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";
import { request, type Dispatcher } from "undici";

/** Headers that belong to one connection, not to the request or answer (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
]);

type Headers = Record<string, string | string[]>;

function endToEnd(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Headers {
  const out: Headers = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name.toLowerCase())) out[name] = value;
  }
  return out;
}

export interface ForwardOptions {
  readonly dispatcher: Dispatcher;
  /** Rewrites a buffered answer body (small JSON answers only); the answer is streamed when absent. */
  readonly rewrite?: (body: Buffer) => Buffer;
}

/**
 * Sends Codex's request on to `target` unchanged (method, headers, body, streaming both ways) and
 * its answer back. Resolves with the status sent to Codex; a target that cannot be reached is a 502.
 */
export async function forward(req: IncomingMessage, res: ServerResponse, target: URL, options: ForwardOptions): Promise<number> {
  const aborted = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) aborted.abort();
  });
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const headers = endToEnd(req.headers);
  // A body the relay rewrites must arrive as plain JSON; everything else keeps Codex's encoding.
  if (options.rewrite) headers["accept-encoding"] = "identity";
  let answer: Dispatcher.ResponseData;
  try {
    answer = await request(target, {
      method: req.method ?? "GET",
      headers,
      body: hasBody ? req : null,
      dispatcher: options.dispatcher,
      signal: aborted.signal,
    });
  } catch {
    if (!res.headersSent && !res.destroyed) res.writeHead(502, { "content-type": "application/json" }).end('{"error":"the ChatGPT backend could not be reached"}');
    return 502;
  }
  const answerHeaders = endToEnd(answer.headers);
  if (options.rewrite && answer.statusCode === 200) {
    const body = options.rewrite(Buffer.from(await answer.body.arrayBuffer()));
    answerHeaders["content-length"] = String(body.length);
    res.writeHead(answer.statusCode, answerHeaders).end(body);
    return answer.statusCode;
  }
  res.writeHead(answer.statusCode, answerHeaders);
  await pipeline(answer.body, res).catch(() => undefined); // either side gone: nothing left to deliver
  return answer.statusCode;
}
