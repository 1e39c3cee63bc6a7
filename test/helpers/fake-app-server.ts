/**
 * A scripted stand-in for `codex app-server`, for unit tests of the backend's lifecycle code.
 * It speaks the same newline-delimited JSON-RPC and logs every method it receives to FAKE_LOG.
 * FAKE_MODE picks the scenario:
 *   slow-turn-start  answers turn/start after 400 ms
 *   early-429        reports a retried upstream 429 before answering turn/start
 *   slow-thread      answers thread/start after 800 ms
 *   bad-delta        streams a text delta whose payload breaks the pinned schema
 */
import { appendFileSync } from "node:fs";
import readline from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";

const mode = process.env.FAKE_MODE ?? "";
const logFile = process.env.FAKE_LOG;
const send = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
let threads = 0;

interface Incoming {
  id?: number;
  method?: string;
  params?: { threadId?: string; turnId?: string };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => void answer(JSON.parse(line) as Incoming));

async function answer(m: Incoming): Promise<void> {
  if (logFile && m.method) appendFileSync(logFile, `${process.pid} ${m.method}\n`);
  if (m.id === undefined) return;
  const threadId = m.params?.threadId ?? "";
  switch (m.method) {
    case "thread/start":
      if (mode === "slow-thread") await sleep(800);
      return send({ id: m.id, result: { thread: { id: `thread-${process.pid}-${++threads}` }, model: "fake-model" } });
    case "turn/start": {
      const turnId = `turn-${threadId}`;
      if (mode === "early-429") {
        const error = { message: "Rate limit reached", codexErrorInfo: { responseStreamDisconnected: { httpStatusCode: 429 } } };
        send({ method: "error", params: { threadId, turnId, willRetry: true, error } });
      }
      if (mode === "slow-turn-start" || mode === "early-429") await sleep(400);
      send({ id: m.id, result: { turn: { id: turnId } } });
      if (mode === "early-429") return; // Codex would go on retrying upstream
      if (mode === "bad-delta") return send({ method: "item/agentMessage/delta", params: { threadId, turnId, delta: 5 } });
      send({ method: "item/agentMessage/delta", params: { threadId, turnId, itemId: "i", delta: "hi" } });
      return send({ method: "turn/completed", params: { threadId, turn: { id: turnId, status: "completed", error: null } } });
    }
    case "turn/interrupt":
      send({ id: m.id, result: {} });
      return send({
        method: "turn/completed",
        params: { threadId, turn: { id: m.params?.turnId, status: "interrupted", error: null } },
      });
    default:
      return send({ id: m.id, result: {} });
  }
}
