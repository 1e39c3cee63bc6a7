import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { LIVE_ONLY_MODEL } from "../helpers/chatgpt-backend-answers.ts";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { bundledCatalog } from "../helpers/codex-catalog.ts";
import { startChatGptE2E, startE2E, TEST_API_KEY, waitHealthy, type ChatGptE2E, type E2E } from "../helpers/e2e-service.ts";
import { startEgressGuard, type EgressGuard } from "../helpers/egress-guard.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";
import { clientKitBinary, SETUP_HINT } from "../helpers/client-kit.ts";

const run = promisify(execFile);

/**
 * The real Claude Code CLI (npm `@anthropic-ai/claude-code`, pinned in test/client-kit): its
 * native binary ships in the platform package (`@anthropic-ai/claude-code-linux-x64`).
 */
const binary = clientKitBinary([path.join("@anthropic-ai", `claude-code-${process.platform}-${process.arch}`, "claude"), path.join("@anthropic-ai", "claude-code", "bin", "claude.exe")]);
if (!binary) console.log(`# claude-code.test.ts skipped: no Claude Code native binary in test/client-kit (${SETUP_HINT})`);

let e2e: E2E;
let refuse: EgressGuard;
let home: string;
before(async () => {
  if (!binary) return;
  e2e = await startE2E();
  refuse = await startEgressGuard();
  home = mkdtempSync(path.join(tmpdir(), "ccp-claude-home-"));
  await waitHealthy(e2e);
});
after(async () => {
  if (!binary) return;
  await e2e.close();
  await refuse.close();
  rmSync(home, { recursive: true, force: true });
});

/** `claude -p` against the adapter: a temporary HOME, the adapter's key, every other connection refused. */
async function claude(prompt: string, extra: readonly string[] = [], adapter: E2E = e2e, settings: Readonly<Record<string, string>> = {}): Promise<string> {
  const env = {
    ...settings,
    PATH: process.env.PATH ?? "",
    HOME: home,
    ANTHROPIC_BASE_URL: adapter.service.url,
    ANTHROPIC_AUTH_TOKEN: TEST_API_KEY,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
    DISABLE_AUTOUPDATER: "1",
    HTTPS_PROXY: refuse.url,
    HTTP_PROXY: refuse.url,
    NO_PROXY: "127.0.0.1,localhost",
  };
  const { stdout } = await run(binary ?? "claude", ["-p", prompt, ...extra], { env, cwd: home, timeout: 90_000 });
  return stdout;
}

/** The adapter's request log for the Messages API: what Claude Code asked for and got. */
const messagesCalls = (adapter: E2E = e2e) =>
  adapter.logs
    .map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number; model?: string })
    .filter((r) => r.msg === "request" && r.path?.startsWith("/v1/messages"))
    .map((r) => `${r.path ?? ""} ${r.status ?? 0} ${r.model ?? ""}`);

test("claude -p answers through the adapter and the real Codex binary", { skip: !binary }, async () => {
  e2e.upstream.behave({ deltas: ["Hello from Codex", " via the adapter."] });
  const out = await claude("Say hello");
  console.log(`# claude -p printed: ${JSON.stringify(out)}`);
  assert.match(out, /Hello from Codex via the adapter\./);
  console.log(`# Claude Code's requests: ${JSON.stringify(messagesCalls())}; refused elsewhere: ${JSON.stringify([...refuse.attempts])}`);
  assert.ok(messagesCalls().length >= 1);
  assert.deepEqual(messagesCalls().filter((r) => !/ 200 claude-/.test(r)), [], "every Messages call answered 200 for a claude-* id");
});

test("claude -p with a tool round trip: the model calls Claude Code's Read tool, Claude Code runs it, the result comes back", { skip: !binary }, async () => {
  const note = path.join(home, "note.txt");
  writeFileSync(note, "The secret word is marmalade.\n");
  e2e.upstream.behave((req: ReceivedRequest) => {
    const output = (req.body.input ?? []).find((i) => i.type === "function_call_output");
    if (output) return { deltas: [`The file says: ${JSON.stringify(output.output).includes("marmalade") ? "marmalade" : "nothing"}.`] };
    if (req.body.tools?.some((t) => t.name === "Read")) return { functionCalls: [{ callId: "call_read_1", name: "Read", arguments: JSON.stringify({ file_path: note }) }] };
    return { deltas: ["(no tools offered)"] };
  });
  const out = await claude("What does note.txt say?", ["--allowedTools", "Read"]);
  const offered = e2e.upstream.modelCalls.at(-1)?.body.tools?.map((t) => t.name ?? t.type) ?? [];
  console.log(`# claude -p (tool) printed: ${JSON.stringify(out)}; Claude Code's tools as offered to the model: ${offered.join(", ")}`);
  assert.match(out, /The file says: marmalade\./);
  const read = e2e.upstream.modelCalls.find((r) => r.body.input?.some((i) => i.type === "function_call_output" && i.call_id === "call_read_1"));
  assert.ok(read, "Claude Code's tool result reached the model service as the call's output");
  assert.deepEqual(messagesCalls().filter((r) => !/ 200 /.test(r)), []);
  assert.equal(e2e.service.waitingTurns.size, 0, "the tool_result continued the Codex turn that waited for it");
});

/**
 * On the path users run (the built-in ChatGPT provider, the stand-in backend serving the pinned
 * binary's catalog plus a model released after the pin), every model of the catalog chosen with
 * `claude -p --model <slug>`: Claude Code sends the id as it is, the adapter runs that model.
 */
describe("claude -p --model <catalog model> with a tool round trip, on the path users run", { skip: !binary }, () => {
  const models = [...bundledCatalog().models.map((m) => m.slug), LIVE_ONLY_MODEL];
  let chatgpt: ChatGptE2E;
  before(async () => {
    chatgpt = await startChatGptE2E();
    await waitHealthy(chatgpt);
  });
  after(() => chatgpt.close());

  const COMMENTARY = "Reading the note.";
  const outputOf = (call: ModelCall | undefined, callId: string) => call?.body.input?.find((i) => i.type === "function_call_output" && i.call_id === callId)?.output;

  for (const [n, model] of models.entries()) {
    test(`${model}: the model calls Claude Code's Read tool, Claude Code runs it, the result comes back`, async () => {
      const marker = `marker-${randomBytes(6).toString("hex")}`;
      const note = path.join(home, `note-${n}.txt`);
      writeFileSync(note, `The secret word is ${marker}.\n`);
      const callId = `call_read_${n}`;
      const answer = `The note says ${marker}.`;
      chatgpt.chatgpt.behave((call) => {
        const output = outputOf(call, callId);
        if (output !== undefined) return { deltas: [JSON.stringify(output).includes(marker) ? answer : "The note was not read."] };
        if (call.body.tools?.some((t) => t.name === "Read")) return { commentary: [COMMENTARY], functionCalls: [{ callId, name: "Read", arguments: JSON.stringify({ file_path: note }) }] };
        return { deltas: ["(no Read tool offered)"] };
      });
      const from = chatgpt.chatgpt.modelCalls.length;
      const fromLog = messagesCalls(chatgpt).length;
      const out = await claude(`What does note-${n}.txt say?`, ["--model", model, "--allowedTools", "Read"], chatgpt);
      const calls = chatgpt.chatgpt.modelCalls.slice(from);
      const requests = messagesCalls(chatgpt).slice(fromLog);
      console.log(`# ${model}: claude -p printed ${JSON.stringify(out)}; Messages calls: ${JSON.stringify(requests)}; model calls ran ${JSON.stringify(calls.map((c) => c.body.model))}`);
      assert.equal(out.trim(), answer, "Claude Code printed the model's answer");
      assert.ok(calls.length >= 2, "the model was called for the tool call and again with its result");
      assert.deepEqual([...new Set(calls.map((c) => c.body.model))], [model], `every model call ran ${model}`);
      const withResult = calls.find((c) => outputOf(c, callId) !== undefined);
      assert.ok(withResult, "Claude Code's tool result reached the model as the call's output");
      assert.match(JSON.stringify(outputOf(withResult, callId)), new RegExp(marker), "the output is the file's content as Claude Code's Read tool gave it");
      assert.deepEqual(requests.filter((r) => r !== `/v1/messages 200 ${model}`), [], `every Messages call asked for ${model} and was answered 200`);
      assert.equal(chatgpt.service.waitingTurns.size, 0, "the tool_result continued the Codex turn that waited for it");
    });
  }

  test("Claude Code's WebSearch returns results: its search request (the web_search server tool) runs the model service's search through the adapter", async () => {
    const source = { url: "https://weather.example/paris", title: "Paris forecast", cites: "sunny, 24 °C" };
    const callId = "call_websearch_1";
    chatgpt.chatgpt.behave((call) => {
      const output = outputOf(call, callId);
      // The answer repeats the first source WebSearch gave Claude Code, so its stdout shows what the search found.
      if (output !== undefined) return { deltas: [JSON.stringify(output).includes(source.url) ? `Sunny, says ${source.url}.` : "No results came back."] };
      if (call.body.tools?.some((t) => t.type === "web_search")) return { deltas: ["Paris is ", source.cites, " today."], webSearch: { query: "paris weather", sources: [source] } };
      if (call.body.tools?.some((t) => t.name === "WebSearch")) return { functionCalls: [{ callId, name: "WebSearch", arguments: JSON.stringify({ query: "paris weather" }) }] };
      return { deltas: ["(no WebSearch tool offered)"] };
    });
    const fromLog = chatgpt.logs.length;
    // WebSearch offered directly rather than found through Claude Code's ToolSearch first.
    const out = await claude("What is the weather in Paris? Search the web.", ["--allowedTools", "WebSearch"], chatgpt, { ENABLE_TOOL_SEARCH: "false" });
    const searches = chatgpt.logs
      .slice(fromLog)
      .map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number; webSearches?: number })
      .filter((r) => r.msg === "request" && r.path === "/v1/messages")
      .map((r) => [r.status, r.webSearches ?? 0]);
    console.log(`# claude -p (WebSearch) printed ${JSON.stringify(out)}; Messages calls [status, searches]: ${JSON.stringify(searches)}`);
    assert.equal(out.trim(), `Sunny, says ${source.url}.`, "WebSearch's result, with its link, reached the model");
    assert.deepEqual(searches, [[200, 0], [200, 1], [200, 0]], "the main turn, WebSearch's own request (one search), the turn continued with its result");
  });
});
