/**
 * A scripted stand-in for `codex app-server`, for unit tests of the backend's lifecycle code.
 * It speaks the same newline-delimited JSON-RPC and logs every method it receives to FAKE_LOG.
 * FAKE_MODE picks the scenario:
 *   slow-turn-start  answers turn/start after 400 ms
 *   early-429        reports a retried upstream 429 before answering turn/start
 *   slow-thread      answers thread/start after 800 ms
 *   bad-delta        streams a text delta whose payload breaks the pinned schema
 *   one-call-hangs   never answers a thread/start with dynamic tools (as Codex leaves a message it
 *                    cannot parse), answers everything else; a dynamic tool named `freeze_codex`
 *                    makes it answer nothing more at all (a hung child); each turn streams
 *                    FAKE_DELTAS deltas ("d0 ", "d1 ", ...), one every 100 ms
 * `--version` prints the pinned version, so the real service's readiness accepts the fake.
 */
import { appendFileSync } from "node:fs";
import readline from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { pinnedCodexVersion } from "../../src/backend/codex-binary.ts";

if (process.argv.includes("--version")) {
  process.stdout.write(`codex-cli ${pinnedCodexVersion()}\n`);
  process.exit(0);
}

const mode = process.env.FAKE_MODE ?? "";
const deltas = Number(process.env.FAKE_DELTAS ?? "1");
let frozen = false;
const logFile = process.env.FAKE_LOG;
const send = (message: object): void => {
  process.stdout.write(`${JSON.stringify(message)}\n`);
};
let threads = 0;

interface Incoming {
  id?: number;
  method?: string;
  params?: { threadId?: string; turnId?: string; dynamicTools?: { name?: string }[] };
}

readline.createInterface({ input: process.stdin }).on("line", (line) => void answer(JSON.parse(line) as Incoming));

async function answer(m: Incoming): Promise<void> {
  if (logFile && m.method) appendFileSync(logFile, `${process.pid} ${m.method}\n`);
  if (m.id === undefined || frozen) return;
  const threadId = m.params?.threadId ?? "";
  switch (m.method) {
    case "account/read":
      return send({ id: m.id, result: { account: null, requiresOpenaiAuth: false } });
    case "model/list":
      return send({ id: m.id, result: { data: [], nextCursor: null } });
    case "thread/start":
      if (mode === "one-call-hangs" && m.params?.dynamicTools?.length) {
        if (m.params.dynamicTools.some((t) => t.name === "freeze_codex")) frozen = true;
        return;
      }
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
      if (mode === "one-call-hangs") {
        for (let i = 0; i < deltas; i++) {
          if (i) await sleep(100);
          if (frozen) return;
          send({ method: "item/agentMessage/delta", params: { threadId, turnId, itemId: "i", delta: `d${i} ` } });
        }
        return send({ method: "turn/completed", params: { threadId, turn: { id: turnId, status: "completed", error: null } } });
      }
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
