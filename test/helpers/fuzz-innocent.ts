import { judgeInnocent, type ChatSuccess, type MessagesSuccess, type OllamaSuccess, type ResponsesSuccess } from "./fuzz-oracle.ts";

/**
 * The innocent streams of the fuzz tests: while the fuzzed bodies are sent, one ordinary stream
 * per API runs beside them, sent again as soon as it ends. The backend (the fake, or the stand-in
 * upstream behind Codex) recognises them by INNOCENT_MARK and answers INNOCENT_DELTAS slowly, so
 * each spans many fuzzed requests; each must arrive whole (issue 18: a hostile request once cut
 * an unrelated stream with `codex_restarting`).
 */
export const INNOCENT_MARK = "innocent-stream-4b1f: say the numbers";

/** The deltas an innocent stream's answer is made of, in order. */
export const INNOCENT_DELTAS: readonly string[] = Array.from({ length: 40 }, (_, i) => `d${i} `);

/** Whether a turn's text is an innocent stream's. */
export const isInnocent = (text: string): boolean => text.includes(INNOCENT_MARK);

interface InnocentStream {
  readonly path: string;
  readonly body: Record<string, unknown>;
  readonly success: ChatSuccess | ResponsesSuccess | MessagesSuccess | OllamaSuccess;
}

const INNOCENT_STREAMS: readonly InnocentStream[] = [
  {
    path: "/v1/chat/completions",
    body: { model: "codex-cli-default", messages: [{ role: "user", content: INNOCENT_MARK }], stream: true },
    success: { kind: "chat", stream: true, includeUsage: false, model: "codex-cli-default" },
  },
  {
    path: "/v1/responses",
    body: { model: "codex-cli-default", input: INNOCENT_MARK, stream: true },
    success: { kind: "responses", stream: true, model: "codex-cli-default" },
  },
  {
    path: "/v1/messages",
    body: { model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: INNOCENT_MARK }], stream: true },
    success: { kind: "messages", stream: true, model: "claude-sonnet-4-5" },
  },
  {
    path: "/api/chat",
    body: { model: "codex-cli-default", messages: [{ role: "user", content: INNOCENT_MARK }] },
    success: { kind: "ollama_chat", stream: true, model: "codex-cli-default" },
  },
];

export interface InnocentRun {
  /** Lets the streams running finish, sends no more, and resolves to how many of each API were judged; rejects with the first failure. */
  stop(): Promise<Record<string, number>>;
}

/** Starts one innocent stream per API, each sent again as soon as it ends and judged, until `stop()`. */
export function startInnocentStreams(send: (path: string, init: RequestInit) => Promise<Response>): InnocentRun {
  let stopped = false;
  const judged: Record<string, number> = {};
  const loops = INNOCENT_STREAMS.map(async ({ path, body, success }) => {
    judged[success.kind] = 0;
    while (!stopped) {
      const res = await send(path, {
        method: "POST",
        headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify(body),
      });
      await judgeInnocent(res, success, INNOCENT_DELTAS.join(""));
      judged[success.kind] = (judged[success.kind] ?? 0) + 1;
    }
  });
  // A failure ends its loop; it is reported by stop(), not as an unhandled rejection meanwhile.
  const settled = Promise.allSettled(loops);
  return {
    async stop() {
      stopped = true;
      const failed = (await settled).find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      return judged;
    },
  };
}
