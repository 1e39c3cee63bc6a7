import http from "node:http";
import type { AddressInfo } from "node:net";
import { askOf, DEFAULT_DELTAS, serveSseAnswer, type Behavior } from "./responses-answer.ts";

export { cutInsideMultiByte, DEFAULT_USAGE, type Behavior, type StandInFunctionCall, type UpstreamUsage } from "./responses-answer.ts";

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
    reasoning?: { effort?: string; summary?: string };
    parallel_tool_calls?: boolean;
    /** Codex sends its thread id: the upstream routes its prompt cache by it. */
    prompt_cache_key?: string;
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

/** A local stand-in for the Responses API, speaking the SSE events Codex expects. 127.0.0.1 only. */
export async function startStandInUpstream(): Promise<StandInUpstream> {
  let pick: (req: ReceivedRequest) => Behavior = () => ({ deltas: DEFAULT_DELTAS });
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
      void answer(res, received, ++counter);
    });
  });

  async function answer(res: http.ServerResponse, received: ReceivedRequest, n: number): Promise<void> {
    openStreams += 1;
    try {
      await serveSseAnswer(res, pick(received), n, () => (dropped += 1), askOf(received.body));
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

/** The `config.toml` that points Codex at the stand-in (the operator's file, never rewritten by the adapter). */
export function standInCodexConfig(baseUrl: string, providerSettings: readonly string[] = []): string {
  return [
    'model_provider = "standin"',
    "[model_providers.standin]",
    'name = "stand-in"',
    `base_url = "${baseUrl}"`,
    'wire_api = "responses"',
    'experimental_bearer_token = "stand-in-token"',
    ...providerSettings,
    "",
  ].join("\n");
}
