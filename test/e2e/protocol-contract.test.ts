import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { pinnedCodexVersion, resolveCodexBinary } from "../../src/backend/codex-binary.ts";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { createWireContract } from "../helpers/protocol-contract.ts";

const chat = (e2e: E2E, body: object) =>
  fetch(`${e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });

test("every message of a streaming and a plain chat, /v1/models and /healthz matches the pinned protocol schema", async () => {
  // One warm thread at most: the second conversation's thread evicts the first's, so thread/unsubscribe is sent and checked too.
  const e2e = await startE2E({ env: { MAX_WARM_THREADS: "1" } });
  try {
    await waitHealthy(e2e);
    assert.equal((await fetch(`${e2e.baseURL}/models`, { headers: authHeaders() })).status, 200);
    e2e.upstream.behave({ deltas: ["Bonjour", "."] });
    const plain = await chat(e2e, {
      messages: [
        { role: "system", content: "Answer in French." },
        { role: "user", content: "first" },
        { role: "assistant", content: "premier" },
        { role: "user", content: "hello" },
      ],
    });
    assert.equal(plain.status, 200);
    const streamed = await chat(e2e, { stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
    assert.equal(streamed.status, 200);
    await streamed.text();
    const backend = e2e.service.backend;
    assert.ok(backend instanceof AppServerBackend);
    assert.ok((await backend.loadedThreadIds()).length > 0);

    const { checked, methods, violations } = e2e.contract;
    assert.deepEqual(violations, []);
    assert.ok(checked.out > 0 && checked.in > 0, `checked ${checked.out} sent and ${checked.in} received`);
    const adapterCalls = ["initialize", "initialized", "account/read", "model/list", "thread/start", "thread/inject_items", "turn/start", "thread/unsubscribe", "thread/loaded/list"];
    const codexNotifications = ["item/agentMessage/delta", "thread/tokenUsage/updated", "turn/completed"];
    for (const m of adapterCalls) assert.ok(methods.has(`out ${m}`), `validated ${m}`);
    for (const m of codexNotifications) assert.ok(methods.has(`in ${m}`), `validated ${m}`);
  } finally {
    await e2e.close(); // also fails on any violation seen after the assertions above
  }
});

test("the validator reports drift: unknown methods, wrong types, missing fields, stray and misshapen answers", async () => {
  const contract = await createWireContract();
  const valid = [
    { id: 1, method: "turn/start", params: { threadId: "t1", input: [{ type: "text", text: "hi", text_elements: [] }] } },
    { id: 2, method: "thread/start", params: { cwd: "/tmp", sandbox: "read-only", approvalPolicy: "never", ephemeral: true } },
  ];
  for (const message of valid) contract.observe("out", message);
  contract.observe("in", { id: 1, result: { turn: { id: "u1", items: [], status: "inProgress", error: null } } });
  assert.deepEqual(contract.violations, [], "valid messages pass");

  contract.observe("out", { id: 3, method: "thread/frobnicate", params: {} });
  contract.observe("out", { id: 4, method: "turn/start", params: { threadId: 42, input: [] } });
  contract.observe("in", { method: "turn/completed", params: { threadId: "t1" } });
  contract.observe("in", { method: "item/agentMessage/delta", params: { threadId: "t1", turnId: "u1", itemId: "i1", delta: 7 } });
  contract.observe("in", { id: 99, result: {} });
  contract.observe("in", { id: 2, result: { thread: {} } });
  contract.observe("in", "not an object");

  const expected = [
    /adapter -> Codex: thread\/frobnicate: not a ClientRequest method/,
    /adapter -> Codex: turn\/start: \/params\/threadId must be string/,
    /Codex -> adapter: turn\/completed: \/params must have required property 'turn'/,
    /Codex -> adapter: item\/agentMessage\/delta: \/params\/delta must be string/,
    /Codex -> adapter: an answer to id 99, which was never requested/,
    /Codex -> adapter: thread\/start: \/result must have required property/,
    /Codex -> adapter: not a JSON object/,
  ];
  assert.equal(contract.violations.length, expected.length, contract.violations.join("\n"));
  contract.violations.forEach((v, i) => assert.match(v, expected[i]!));
  assert.throws(() => contract.assertClean(), /7 message\(s\) broke the Codex \d+\.\d+\.\d+ protocol schema/);
});

test("a Codex binary of another version: 503 naming both versions, and the service keeps answering", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-other-codex-"));
  const fake = path.join(dir, "codex");
  writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.1.0"; exit 0; fi\nexec "${resolveCodexBinary()}" "$@"\n`);
  chmodSync(fake, 0o755);
  const e2e = await startE2E({ env: { CODEX_BIN: fake } });
  try {
    const both = new RegExp(`version 0\\.1\\.0 but this adapter pins ${pinnedCodexVersion().replaceAll(".", "\\.")}`);
    await waitFor(() => e2e.logs.some((l) => both.test(l)), 15_000, "the version check");
    const res = await chat(e2e, { messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.status, 503);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, "codex_version_mismatch");
    assert.match(error.message, both);
    assert.equal((await fetch(`${e2e.service.url}/healthz`)).status, 503);
    assert.equal(e2e.upstream.requests.length, 0, "nothing was asked of the wrong binary");
  } finally {
    await e2e.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
