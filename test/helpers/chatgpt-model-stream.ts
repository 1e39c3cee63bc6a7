import type http from "node:http";
import { decompress } from "fzstd";
import { WebSocket, WebSocketServer } from "ws";
import { z } from "zod";
import { faultAnswer, rateLimitHeaders, rateLimitsEvent, type StandInLimits } from "./chatgpt-backend-answers.ts";
import { askOf, NO_ASK, pauseUntilClose, playAnswer, serveSseAnswer, type Behavior } from "./responses-answer.ts";

/**
 * The model stream of the stand-in ChatGPT backend (`codex/responses`), over both transports
 * Codex 0.171.0 uses with a ChatGPT login: a WebSocket (text messages: the client sends
 * `{"type":"response.create",...}`, the server answers with the same JSON events as the SSE
 * stream; codex-api/src/endpoint/responses_websocket.rs) and the HTTP POST fallback, whose body
 * Codex compresses with zstd. One answer generator (responses-answer.ts) serves both.
 */

/** The model-call body as far as tests read it; everything else passes through. */
const modelCallBody = z.looseObject({
  type: z.string().optional(),
  model: z.string().optional(),
  instructions: z.string().optional(),
  input: z.array(z.looseObject({ type: z.string(), role: z.string().optional() })).optional(),
  tools: z.array(z.looseObject({ type: z.string(), name: z.string().optional() })).optional(),
  generate: z.boolean().optional(),
  reasoning: z.looseObject({ summary: z.string().optional() }).optional(),
  /** Codex's thread id: the backend routes its prompt cache by it. */
  prompt_cache_key: z.string().optional(),
});
export type ModelCallBody = z.infer<typeof modelCallBody>;

export interface ModelCall {
  readonly transport: "http" | "ws";
  readonly body: ModelCallBody;
}

/** Codex pre-warms a new WebSocket with `generate: false`: answered with an empty response, not counted as a model call. */
const isWarmup = (body: ModelCallBody) => body.generate === false;

/** A fault the model stream answers with instead of a stream ("blackhole": accept and never answer). */
export type ModelFault = 500 | 401 | 429 | "blackhole";

export interface ModelStreamState {
  behavior(call: ModelCall): Behavior;
  fault(): ModelFault | undefined;
  limits(): StandInLimits;
  /** Counts an answer cut off by `dropAfterDeltas`. */
  dropped(): void;
  /** Keeps a model call (not a warm-up) and numbers it. */
  record(call: ModelCall): number;
  /** Logs a message on a WebSocket as a call, with its upgrade request's headers and connection. */
  logMessage(upgrade: http.IncomingMessage, method: string): void;
}

/** Decodes a POST body as Codex sends it (`content-encoding: zstd`, or plain) and parses it. */
export function parseModelBody(raw: Buffer, encoding: string | undefined): ModelCallBody {
  const bytes = encoding === "zstd" ? Buffer.from(decompress(new Uint8Array(raw))) : raw;
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8")) as unknown;
  } catch {
    json = {};
  }
  const parsed = modelCallBody.safeParse(json);
  return parsed.success ? parsed.data : {};
}

/** `POST codex/responses`: the HTTP fallback, an SSE stream with the rate-limit headers. */
export async function answerModelPost(res: http.ServerResponse, body: ModelCallBody, state: ModelStreamState): Promise<void> {
  const fault = state.fault();
  if (fault === "blackhole") return; // the response stays open until Codex gives up or the stand-in closes
  const call: ModelCall = { transport: "http", body };
  const n = state.record(call);
  if (fault) {
    const f = faultAnswer(fault, state.limits());
    res.writeHead(f.status, { "content-type": "application/json", ...f.headers }).end(JSON.stringify(f.body));
    return;
  }
  await serveSseAnswer(res, state.behavior(call), n, () => state.dropped(), askOf(body), rateLimitHeaders(state.limits()));
}

/** The WebSocket side: `handleUpgrade` for upgrade requests on `codex/responses`. */
export function modelWebSocketServer(state: ModelStreamState): WebSocketServer {
  // permessage-deflate on: Codex offers it (websocket_config() in responses_websocket.rs).
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: true });
  wss.on("connection", (ws: WebSocket, upgrade: http.IncomingMessage) => {
    ws.on("error", () => undefined);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) return;
      void answerWsMessage(ws, upgrade, data.toString("utf8"), state);
    });
  });
  return wss;
}

async function answerWsMessage(ws: WebSocket, upgrade: http.IncomingMessage, text: string, state: ModelStreamState): Promise<void> {
  const body = parseModelBody(Buffer.from(text, "utf8"), undefined);
  const warmup = isWarmup(body);
  state.logMessage(upgrade, `${body.type ?? "?"}${warmup ? "(generate:false)" : ""}`);
  if (body.type !== "response.create") return; // e.g. `response.processed` acknowledgements
  const fault = state.fault();
  if (fault === "blackhole") return;
  const call: ModelCall = { transport: "ws", body };
  const n = warmup ? 0 : state.record(call);
  const sendJson = (event: object) => new Promise<void>((resolve) => ws.send(JSON.stringify(event), () => resolve()));
  if (fault) {
    // The backend reports a failed request on the socket as a wrapped error event with status and headers.
    const f = faultAnswer(fault, state.limits());
    await sendJson({ type: "error", status: f.status, error: (f.body as { error: object }).error, headers: f.headers });
    return;
  }
  const b: Behavior = warmup ? { deltas: [] } : state.behavior(call);
  const gone = () => ws.readyState !== WebSocket.OPEN;
  const pause = (ms: number) => pauseUntilClose(ws, gone, ms);
  if (b.firstByteDelayMs) await pause(b.firstByteDelayMs);
  if (gone()) return;
  if (b.status && b.status !== 200) {
    await sendJson({ type: "error", status: b.status, error: (b.errorBody as { error?: object } | undefined)?.error ?? { type: "server_error", message: "stand-in error" }, headers: b.headers ?? {} });
    return;
  }
  await sendJson(rateLimitsEvent(state.limits()));
  await playAnswer(b, n, {
    send: sendJson,
    pause,
    get gone() {
      return gone();
    },
    drop() {
      state.dropped();
      ws.terminate();
    },
  }, warmup ? NO_ASK : askOf(body));
}
