import http from "node:http";
import type { AddressInfo } from "node:net";

/** What the stand-in does with one `POST /v1/responses` call. */
export interface Behavior {
  /** Text deltas of the answer, sent in order. */
  readonly deltas?: readonly string[];
  /** Wait before the first byte. */
  readonly firstByteDelayMs?: number;
  /** Wait between deltas. */
  readonly deltaIntervalMs?: number;
  /** Answer with this HTTP status and JSON error body instead of a stream. */
  readonly status?: number;
  readonly errorBody?: object;
  readonly headers?: Readonly<Record<string, string>>;
  readonly usage?: UpstreamUsage;
  /**
   * Destroy the TCP connection after this many text deltas (0: before the first), one
   * `deltaIntervalMs` after the last of them so they reach Codex first; no completion follows.
   */
  readonly dropAfterDeltas?: number;
  /**
   * Write every event in pieces cut inside each multi-byte UTF-8 character, pausing this long
   * between pieces, so the characters really are split across socket writes on their way to Codex.
   */
  readonly splitMultiByteMs?: number;
  /** Answer with these function calls (after any text deltas) instead of ending with a message. */
  readonly functionCalls?: readonly StandInFunctionCall[];
}

export interface StandInFunctionCall {
  readonly callId: string;
  readonly name: string;
  /** The arguments as JSON text. */
  readonly arguments: string;
}

export interface UpstreamUsage {
  readonly input_tokens: number;
  readonly cached_tokens: number;
  readonly output_tokens: number;
  readonly reasoning_tokens: number;
}

/** One request as the stand-in received it (the body Codex sent upstream). */
export interface ReceivedRequest {
  readonly path: string;
  readonly body: {
    model?: string;
    input?: {
      type: string;
      role?: string;
      content?: { type: string; text?: string; image_url?: string }[];
      call_id?: string;
      name?: string;
      arguments?: string;
      output?: unknown;
    }[];
    tools?: { type: string; name?: string; description?: string; parameters?: unknown }[];
    text?: { format?: { type?: string; name?: string; strict?: boolean; schema?: unknown } };
    instructions?: string;
    reasoning?: { effort?: string };
  };
}

export interface StandInUpstream {
  readonly baseUrl: string;
  readonly requests: ReceivedRequest[];
  /** The model calls among them (POST …/responses), in order. */
  readonly modelCalls: readonly ReceivedRequest[];
  /** Sets how the following requests are answered (a function may pick per request). */
  behave(behavior: Behavior | ((req: ReceivedRequest) => Behavior)): void;
  /** Requests whose answer is still streaming. */
  readonly openStreams: number;
  /** Answers cut off by `dropAfterDeltas` so far. */
  readonly droppedConnections: number;
  close(): Promise<void>;
}

export const DEFAULT_USAGE: UpstreamUsage = { input_tokens: 21, cached_tokens: 3, output_tokens: 7, reasoning_tokens: 2 };

/** A local stand-in for the Responses API, speaking the SSE events Codex expects. 127.0.0.1 only. */
export async function startStandInUpstream(): Promise<StandInUpstream> {
  let pick: (req: ReceivedRequest) => Behavior = () => ({ deltas: ["Hello", " from", " the", " stand-in."] });
  const requests: ReceivedRequest[] = [];
  let openStreams = 0;
  let dropped = 0;
  let counter = 0;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      let body: ReceivedRequest["body"] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ReceivedRequest["body"];
      } catch {
        // Codex may send non-JSON to other paths; recorded with an empty body
      }
      const received = { path: req.url ?? "", body };
      requests.push(received);
      if (!received.path.endsWith("/responses")) {
        res.writeHead(404).end();
        return;
      }
      void answer(res, pick(received), ++counter);
    });
  });

  async function answer(res: http.ServerResponse, b: Behavior, n: number): Promise<void> {
    openStreams += 1;
    let gone = false;
    res.on("close", () => (gone = true));
    /** Waits, but no longer than the connection lives (so `openStreams` drops when Codex hangs up). */
    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        if (gone) return resolve();
        const done = () => {
          clearTimeout(timer);
          res.off("close", done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        res.once("close", done);
      });
    try {
      if (b.firstByteDelayMs) await pause(b.firstByteDelayMs);
      if (gone) return;
      if (b.status && b.status !== 200) {
        res.writeHead(b.status, { "content-type": "application/json", ...b.headers });
        res.end(JSON.stringify(b.errorBody ?? { error: { message: "stand-in error", type: "server_error" } }));
        return;
      }
      res.writeHead(200, { "content-type": "text/event-stream", ...b.headers });
      if (b.splitMultiByteMs) res.socket?.setNoDelay(true); // every piece its own TCP segment
      const drop = () => {
        dropped += 1;
        res.socket?.destroy(); // mid-answer: no completion, no chunked-encoding terminator
      };
      const id = `msg_${n}`;
      const send = async (event: { type: string } & Record<string, unknown>) => {
        const bytes = Buffer.from(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`, "utf8");
        if (!b.splitMultiByteMs) return void res.write(bytes);
        for (const piece of cutInsideMultiByte(bytes)) {
          if (gone) return;
          res.write(piece);
          await pause(b.splitMultiByteMs);
        }
      };
      await send({ type: "response.created", response: { id: `resp_${n}` } });
      const deltas = b.deltas ?? (b.functionCalls ? [] : ["Hello"]);
      if (deltas.length) {
        await send({ type: "response.output_item.added", output_index: 0, item: { type: "message", id, role: "assistant", content: [] } });
        for (const [i, delta] of deltas.entries()) {
          if (i > 0 && b.deltaIntervalMs) await pause(b.deltaIntervalMs);
          if (gone) return;
          if (i === b.dropAfterDeltas) return drop();
          await send({ type: "response.output_text.delta", item_id: id, output_index: 0, content_index: 0, delta });
        }
      }
      if (b.dropAfterDeltas !== undefined && b.dropAfterDeltas >= deltas.length) {
        await pause(b.deltaIntervalMs ?? 0);
        return drop();
      }
      if (deltas.length) {
        const text = deltas.join("");
        await send({
          type: "response.output_item.done",
          output_index: 0,
          item: { type: "message", id, role: "assistant", content: [{ type: "output_text", text, annotations: [] }] },
        });
      }
      for (const [i, call] of (b.functionCalls ?? []).entries()) {
        const item = { type: "function_call", id: `fc_${n}_${i}`, call_id: call.callId, name: call.name };
        const outputIndex = i + (deltas.length ? 1 : 0);
        await send({ type: "response.output_item.added", output_index: outputIndex, item: { ...item, arguments: "" } });
        await send({ type: "response.output_item.done", output_index: outputIndex, item: { ...item, arguments: call.arguments, status: "completed" } });
      }
      const u = b.usage ?? DEFAULT_USAGE;
      await send({
        type: "response.completed",
        response: {
          id: `resp_${n}`,
          usage: {
            input_tokens: u.input_tokens,
            input_tokens_details: { cached_tokens: u.cached_tokens },
            output_tokens: u.output_tokens,
            output_tokens_details: { reasoning_tokens: u.reasoning_tokens },
            total_tokens: u.input_tokens + u.output_tokens,
          },
        },
      });
      res.end();
    } finally {
      openStreams -= 1;
    }
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get modelCalls() {
      return requests.filter((r) => r.path.endsWith("/responses"));
    },
    behave(behavior) {
      pick = typeof behavior === "function" ? behavior : () => behavior;
    },
    get openStreams() {
      return openStreams;
    },
    get droppedConnections() {
      return dropped;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Cuts `bytes` after the first byte of every multi-byte UTF-8 character (so each piece but the last ends mid-character). */
export function cutInsideMultiByte(bytes: Buffer): Buffer[] {
  const pieces: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i += 1) {
    // A lead byte of a 2-, 3- or 4-byte sequence: 11xxxxxx.
    if (((bytes[i] ?? 0) & 0xc0) === 0xc0) {
      pieces.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  pieces.push(bytes.subarray(start));
  return pieces;
}

/** The `config.toml` that points Codex at the stand-in (the operator's file, never rewritten by the adapter). */
export function standInCodexConfig(baseUrl: string, providerSettings: readonly string[] = []): string {
  return [
    'model_provider = "standin"',
    'model = "stand-in-model"',
    "[model_providers.standin]",
    'name = "stand-in"',
    `base_url = "${baseUrl}"`,
    'wire_api = "responses"',
    'experimental_bearer_token = "stand-in-token"',
    ...providerSettings,
    "",
  ].join("\n");
}
