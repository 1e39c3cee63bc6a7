import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/core/logger.ts";
import { startService, type Service } from "../../src/service.ts";
import { waitFor } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

// The real service in front of the scripted app-server (test/helpers/fake-app-server.ts, mode
// one-call-hangs): it leaves a thread/start with client tools unanswered, as Codex 0.171.0 does with a
// JSON-RPC message nested deeper than it parses, and answers everything else. A child that stops
// answering everything (SIGSTOP) with the real binary: test/e2e/faults-child.test.ts.

/** The test's stand-in for Codex's 30 s RPC limit. */
const RPC_TIMEOUT_MS = 1000;
const KEY = "one-request-hangs-key-Hq7vN2xR8mT4wL9pZ3bK6";
/** The innocent stream: 40 deltas 100 ms apart, so it runs across the hung calls' limit and the liveness check. */
const DELTAS = 40;

let service: Service;
let dir: string;
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "ccp-hangs-"));
  const bin = path.join(dir, "codex");
  const fake = fileURLToPath(new URL("../helpers/fake-app-server.ts", import.meta.url));
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve("tsx")}" "${fake}" "$@"\n`);
  chmodSync(bin, 0o755);
  const config = loadConfig({ DATA_DIR: path.join(dir, "data"), PORT: "0", PROXY_API_KEY: KEY, CODEX_BIN: bin, CODEX_TOOL_MODE: "codex", LOG_LEVEL: "debug" });
  service = await startService(config, { PATH: process.env.PATH ?? "" }, createLogger("debug", (l) => logs.push(l)), {
    childEnv: { FAKE_MODE: "one-call-hangs", FAKE_DELTAS: String(DELTAS) },
    codexRpcTimeoutMs: RPC_TIMEOUT_MS,
  });
  await waitFor(async () => (await fetch(`${service.url}/healthz`)).status === 200, 30_000, "healthz 200");
});
after(async () => {
  await service.stop(0);
  rmSync(dir, { recursive: true, force: true });
});

const post = (route: string, body: object) =>
  fetch(`${service.url}${route}`, {
    method: "POST",
    headers: { Authorization: `Bearer ${KEY}`, "Content-Type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify(body),
  });
const schema = { type: "object", properties: { q: { type: "string" } } };
/** A request on each API whose thread/start (it offers a function) the fake leaves unanswered. */
const hanging = (name: string) => [
  post("/v1/chat/completions", { model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name, parameters: schema } }] }),
  post("/v1/responses", { model: "codex-cli-default", input: "hi", tools: [{ type: "function", name, parameters: schema }] }),
  post("/v1/messages", { model: "codex-cli-default", max_tokens: 100, messages: [{ role: "user", content: "hi" }], tools: [{ name, input_schema: schema }] }),
];
const innocent = () => post("/v1/chat/completions", { model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], stream: true });
const runtime = () => service.backend.runtime();

test("a call Codex leaves unanswered fails its own request; an innocent stream completes and the child is kept", async () => {
  const { pid, restarts } = runtime();
  const stream = await innocent();
  assert.equal(stream.status, 200);
  const reader = new StreamReader(stream);
  await reader.until('"content":"d0 "');

  const started = Date.now();
  const failed = await Promise.all(hanging("lookup"));
  const failedAfter = Date.now() - started;
  for (const res of failed) {
    assert.ok([503, 529].includes(res.status), `${res.url}: ${res.status}`);
    assert.match(await res.text(), /Codex did not answer in time/);
  }
  assert.ok(failedAfter >= RPC_TIMEOUT_MS - 100, `failed after ${failedAfter} ms, at the RPC limit`);

  assert.ok(!reader.text.includes("[DONE]"), "the innocent stream was still running when the hung requests failed");
  const text = await reader.rest();
  const content = parseSse(text)
    .data.filter((d) => d !== "[DONE]")
    .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
    .join("");
  assert.equal(content, Array.from({ length: DELTAS }, (_, i) => `d${i} `).join(""));
  assert.equal(parseSse(text).data.at(-1), "[DONE]");
  assert.doesNotMatch(text, /"error"/);

  // The liveness check has been answered by now (it is sent as the first call times out).
  assert.deepEqual({ pid: runtime().pid, restarts: runtime().restarts }, { pid, restarts }, "the child is neither killed nor restarted");
  assert.ok(logs.some((l) => l.includes("codex left a call unanswered and still answers others")));
  assert.ok(!logs.some((l) => l.includes("codex app-server recycled")));
  const after = await post("/v1/chat/completions", { model: "codex-cli-default", messages: [{ role: "user", content: "hi" }] });
  assert.equal(after.status, 200);
});

test("a child that stops answering everything is still replaced, and the next request is answered by the new one", async () => {
  const { pid, restarts } = runtime();
  assert.ok(pid);
  const frozen = await post("/v1/chat/completions", {
    model: "codex-cli-default",
    messages: [{ role: "user", content: "hi" }],
    tools: [{ type: "function", function: { name: "freeze_codex", parameters: schema } }],
  });
  assert.equal(frozen.status, 503);
  await waitFor(() => runtime().restarts === restarts + 1 && runtime().pid !== undefined && runtime().pid !== pid, 15_000, "a new child");
  assert.ok(logs.some((l) => l.includes("codex app-server recycled") && l.includes("thread/loaded/list")));
  await waitFor(async () => (await fetch(`${service.url}/healthz`)).status === 200, 15_000, "healthz 200");
  const next = await post("/v1/chat/completions", { model: "codex-cli-default", messages: [{ role: "user", content: "hi" }] });
  assert.equal(next.status, 200);
  assert.equal(((await next.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, Array.from({ length: DELTAS }, (_, i) => `d${i} `).join(""));
});
