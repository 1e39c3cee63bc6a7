import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { authHeaders, type ChatGptE2E, startChatGptE2E, waitHealthy } from "../helpers/e2e-service.ts";

// What Codex keeps in CODEX_HOME on the path users run (a ChatGPT login, Codex's own model
// catalog): its login and models cache, but no log database, bundled skills, sessions or
// history, and nothing that grows with requests (codex-hardening.ts: log_dir, skills.bundled).

/** Codex's log database takes a batch every 2 s: a reading this long after the last answer holds it. */
const LOG_FLUSH_WAIT_MS = 3000;
/** Without the settings 20 requests add about 1.2 MB (the log database's WAL); with them nothing. */
const MAX_GROWTH_BYTES = 64 * 1024;

let e2e: ChatGptE2E;
let home: string;
before(async () => {
  e2e = await startChatGptE2E();
  home = path.join(e2e.dataDir, "codex-home");
  await waitHealthy(e2e);
});
after(() => e2e.close());

/** Every regular file below CODEX_HOME (relative path -> bytes). */
function files(): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync(home, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath, entry.name);
      found.set(path.relative(home, full), statSync(full).size);
    }
  }
  return found;
}
const total = (f: Map<string, number>) => [...f.values()].reduce((a, b) => a + b, 0);

const chat = (messages: { role: string; content: string }[]) =>
  fetch(`${e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages }) });

test("CODEX_HOME holds the login and models cache, no log database, skills or sessions, and does not grow with requests", async () => {
  await sleep(LOG_FLUSH_WAIT_MS);
  const firstStart = files();

  e2e.chatgpt.behave({ deltas: ["Noted", " here."] });
  for (let i = 0; i < 16; i++) {
    const res = await chat([{ role: "user", content: `question ${i} ${"lorem ipsum ".repeat(200)}` }]);
    assert.equal(res.status, 200);
    await res.text();
  }
  // A conversation that continues on its warm thread: continuity does not depend on what Codex writes.
  const from = e2e.chatgpt.modelCalls.length;
  const messages: { role: string; content: string }[] = [];
  for (const text of ["first", "second", "third", "fourth"]) {
    messages.push({ role: "user", content: text });
    const res = await chat(messages);
    assert.equal(res.status, 200);
    messages.push({ role: "assistant", content: ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "" });
  }
  const keys = new Set(e2e.chatgpt.modelCalls.slice(from).map((c) => c.body.prompt_cache_key));
  assert.equal(keys.size, 1, "the conversation's turns share one thread");

  await sleep(LOG_FLUSH_WAIT_MS);
  const later = files();
  const names = [...later.keys()];
  assert.ok(later.has("auth.json"), "the login stays in auth.json");
  assert.ok(later.has("models_cache.json"), "Codex keeps its models cache");
  assert.deepEqual(names.filter((n) => /^logs_\d+\.sqlite/.test(n)), [], "no log database");
  for (const dir of ["skills", "sessions", "shell_snapshots", "memories", "generated_images"]) {
    assert.ok(!names.some((n) => n.startsWith(`${dir}${path.sep}`)), `nothing under ${dir}/`);
  }
  assert.ok(!later.has("history.jsonl"), "no prompt history");
  const growth = total(later) - total(firstStart);
  assert.ok(growth <= MAX_GROWTH_BYTES, `CODEX_HOME grew by ${growth} bytes over 20 requests: ${JSON.stringify([...later])}`);
  assert.deepEqual(names.filter((n) => !firstStart.has(n)).filter((n) => !n.endsWith(".lock")), [], "no new files but locks");
});
