import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { LIVE_ONLY_MODEL } from "../helpers/chatgpt-backend-answers.ts";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { bundledCatalog } from "../helpers/codex-catalog.ts";
import { startChatGptE2E, TEST_API_KEY, waitHealthy, type ChatGptE2E } from "../helpers/e2e-service.ts";
import { clientKitBinary, SETUP_HINT } from "../helpers/client-kit.ts";
import { startEgressGuard, type EgressGuard } from "../helpers/egress-guard.ts";

/**
 * The real opencode CLI (npm `opencode-ai`, pinned) against the adapter on the path users run, on
 * every model of the catalog: `opencode run` asks, the model calls opencode's `read` tool,
 * opencode reads the file and sends the result back, the model answers with what it read.
 * opencode speaks Chat Completions through its built-in `@ai-sdk/openai-compatible` provider.
 * Its native binary ships in the platform package (`opencode-linux-x64`, pinned in test/client-kit).
 */
const platform = process.platform === "win32" ? "windows" : process.platform;
const binary = clientKitBinary([path.join(`opencode-${platform}-${process.arch}`, "bin", "opencode"), path.join("opencode-ai", "bin", "opencode.exe")]);
if (!binary) console.log(`# opencode.test.ts skipped: no opencode native binary in test/client-kit (${SETUP_HINT})`);

const MODELS = [...bundledCatalog().models.map((m) => m.slug), LIVE_ONLY_MODEL];
/** opencode's name for the adapter in its config: models are `adapter/<slug>`. */
const PROVIDER = "adapter";

let e2e: ChatGptE2E;
let refuse: EgressGuard;
let root: string;
let home: string;
let work: string;
before(async () => {
  if (!binary) return;
  e2e = await startChatGptE2E();
  refuse = await startEgressGuard();
  root = mkdtempSync(path.join(tmpdir(), "ccp-opencode-"));
  home = path.join(root, "home");
  work = path.join(root, "work");
  mkdirSync(work, { recursive: true });
  // opencode npm-installs @opencode-ai/plugin into its config directory unless it finds it "installed": a stub says it is.
  const configDir = path.join(home, ".config", "opencode");
  mkdirSync(path.join(configDir, "node_modules"), { recursive: true });
  writeFileSync(path.join(configDir, "package.json"), JSON.stringify({ dependencies: { "@opencode-ai/plugin": "*" } }));
  writeFileSync(path.join(configDir, "package-lock.json"), JSON.stringify({ lockfileVersion: 3, packages: { "": { dependencies: { "@opencode-ai/plugin": "*" } } } }));
  await waitHealthy(e2e);
});
after(async () => {
  if (!binary) return;
  await e2e.close();
  await refuse.close();
  rmSync(root, { recursive: true, force: true });
});

/** opencode's configuration: the adapter as an OpenAI-compatible provider with every catalog model, only `read` (and `bash`) allowed. */
function opencodeConfig(model: string): object {
  const models = Object.fromEntries(MODELS.map((slug) => [slug, { name: slug, tool_call: true, limit: { context: 128_000, output: 4_096 } }]));
  return {
    provider: { [PROVIDER]: { npm: "@ai-sdk/openai-compatible", name: "codex-cli-provider", options: { baseURL: e2e.baseURL, apiKey: "{env:ADAPTER_API_KEY}" }, models } },
    model: `${PROVIDER}/${model}`,
    small_model: `${PROVIDER}/${model}`,
    autoupdate: false,
    share: "disabled",
    lsp: false,
    formatter: false,
    snapshot: false,
    // "*": "deny" also keeps the denied tools out of the request; a tool left at "ask" would end the run silently.
    permission: { "*": "deny", read: "allow", bash: "allow" },
    agent: { title: { disable: true } },
  };
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `opencode run` against the adapter: a temporary HOME, the adapter's key, stdin closed (it reads a piped stdin to EOF), every other connection refused. */
async function opencode(model: string, prompt: string): Promise<Run> {
  const env = {
    PATH: process.env.PATH ?? "",
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    TMPDIR: root,
    TERM: "dumb",
    NO_COLOR: "1",
    ADAPTER_API_KEY: TEST_API_KEY,
    OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfig(model)),
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
    OPENCODE_DISABLE_PROJECT_CONFIG: "1",
    OPENCODE_PURE: "1",
    HTTPS_PROXY: refuse.url,
    HTTP_PROXY: refuse.url,
    // Bun sends even 127.0.0.1 through the proxy unless told otherwise.
    NO_PROXY: "127.0.0.1,localhost",
  };
  const child = spawn(binary ?? "opencode", ["run", "--model", `${PROVIDER}/${model}`, ...prompt.split(" ")], { cwd: work, env, stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  return { code, stdout, stderr };
}

/** The adapter's request log for opencode's calls: path, status, model and whether it streamed. */
const adapterRequests = () =>
  e2e.logs
    .map((l) => JSON.parse(l) as { msg?: string; path?: string; status?: number; model?: string; stream?: boolean })
    .filter((r) => r.msg === "request" && r.path?.startsWith("/v1/"))
    .map((r) => `${r.path ?? ""} ${r.status ?? 0} ${r.model ?? ""}${r.stream ? " stream" : ""}`);

/** What the model says before its tool call, as the catalog's models do. */
const COMMENTARY = "Reading the note.";
/** How many runs the model tests made (a name pattern may pick a few). */
let runs = 0;
const toolNames = (call: ModelCall) => (call.body.tools ?? []).map((t) => t.name ?? t.type).sort();
const outputOf = (call: ModelCall | undefined, callId: string) => call?.body.input?.find((i) => i.type === "function_call_output" && i.call_id === callId)?.output;

for (const [n, model] of MODELS.entries()) {
  test(`opencode run on ${model}: the model calls opencode's read tool, opencode reads the file, the result comes back, opencode prints the answer`, { skip: !binary }, async () => {
    const marker = `marker-${randomBytes(6).toString("hex")}`;
    const note = path.join(work, `note-${n}.txt`);
    writeFileSync(note, `The secret word is ${marker}.\n`);
    const callId = `call_read_${n}`;
    const answer = `The note says ${marker}.`;
    e2e.chatgpt.behave((call) => {
      const output = outputOf(call, callId);
      if (output !== undefined) return { deltas: [JSON.stringify(output).includes(marker) ? answer : "The note was not read."] };
      if (toolNames(call).includes("read")) return { commentary: [COMMENTARY], functionCalls: [{ callId, name: "read", arguments: JSON.stringify({ filePath: note }) }] };
      return { deltas: ["(no read tool offered)"] };
    });
    const from = e2e.chatgpt.modelCalls.length;
    const fromLog = adapterRequests().length;
    const run = await opencode(model, `What does note-${n}.txt say?`);
    runs += 1;
    const calls = e2e.chatgpt.modelCalls.slice(from);
    const requests = adapterRequests().slice(fromLog);
    console.log(`# ${model}: opencode printed ${JSON.stringify(run.stdout)}; adapter requests: ${JSON.stringify(requests)}; model calls: ${calls.length}, tools ${JSON.stringify(calls.map(toolNames))}`);
    assert.equal(run.code, 0, run.stderr.slice(-2_000));
    assert.ok(calls.length >= 2, "the model was called for the tool call and again with its result");
    assert.ok(calls.every((c) => c.body.model === model), `every model call ran ${model}: ${JSON.stringify(calls.map((c) => c.body.model))}`);
    const withResult = calls.find((c) => outputOf(c, callId) !== undefined);
    assert.ok(withResult, "opencode's tool result reached the model as the call's output");
    assert.match(JSON.stringify(outputOf(withResult, callId)), new RegExp(marker), "the output is the file's content as opencode's read tool gave it");
    assert.equal(run.stdout.trim(), `${COMMENTARY}\n${answer}`, "opencode printed the model's commentary, then its answer");
    assert.deepEqual(requests.filter((r) => !r.startsWith(`/v1/chat/completions 200 ${model}`)), [], "every request was a chat completion answered 200");
    assert.equal(e2e.service.waitingTurns.size, 0, "the tool result continued the Codex turn that waited for it");
  });
}

test("opencode's requests reach the adapter as streamed chat completions with its tools, and nothing leaves 127.0.0.1", { skip: !binary }, () => {
  const requests = adapterRequests();
  console.log(`# opencode: ${requests.length} requests to the adapter; tools the model saw: ${JSON.stringify([...new Set(e2e.chatgpt.modelCalls.map((c) => toolNames(c).join(",")))])}; refused elsewhere: ${JSON.stringify([...refuse.attempts])}`);
  assert.ok(runs > 0 && requests.length >= 2 * runs, "two chat completions a run at least: the tool call, then the answer");
  assert.deepEqual(requests.filter((r) => !/^\/v1\/chat\/completions 200 \S+ stream$/.test(r)), [], "every request a streamed chat completion answered 200");
  // opencode's functions, as its chat requests declared them, are what the model was offered: read and bash, nothing of Codex's own.
  assert.deepEqual([...new Set(e2e.chatgpt.modelCalls.map((c) => toolNames(c).join(",")))], ["bash,read"]);
  assert.deepEqual([...refuse.attempts], [], "opencode tried no other host");
});
