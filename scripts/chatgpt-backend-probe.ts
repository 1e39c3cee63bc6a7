/**
 * The probe behind docs/chatgpt-backend.md: drives the real pinned `codex app-server` (with the
 * adapter's hardening flags) over JSON-RPC against the stand-in ChatGPT backend, and prints
 * what Codex called, when, on which connection. Redo the inventory with it on a new pin:
 *
 *   npx tsx scripts/chatgpt-backend-probe.ts [--threads N] [--turns N] [--delay MS]
 *     [--fault ENDPOINT:500|401|429|blackhole] [--fault-at-start …] [--refuse-ws] [--grant-refresh] [--no-pin]
 *     [--no-constraint] [--account ID] [--pause MS] [--settle MS] [--gap MS] [--delay-from-start]
 *     [--unsubscribe] [--idle MS] [--quiet] [-c KEY=VALUE]
 *
 * 127.0.0.1 only; other hosts meet the refusing egress guard (counted in the last line).
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { readStatus } from "../bench/procfs.ts";
import { pinnedCodexVersion, resolveCodexBinary } from "../src/backend/codex-binary.ts";
import { BASE_INSTRUCTIONS, hardeningArgs } from "../src/backend/codex-hardening.ts";
import { JsonRpcClient } from "../src/backend/jsonrpc-client.ts";
import { chatGptChildEnv, tokenRefreshEnv, writeChatGptCodexHome } from "../test/helpers/chatgpt-codex-home.ts";
import { startEgressGuard } from "../test/helpers/egress-guard.ts";
import { startStandInChatGptBackend, type Endpoint, type Fault } from "../test/helpers/stand-in-chatgpt-backend.ts";

const { values: o } = parseArgs({
  options: {
    threads: { type: "string", default: "2" },
    turns: { type: "string", default: "1" },
    delay: { type: "string", default: "0" },
    fault: { type: "string", multiple: true, default: [] },
    "fault-at-start": { type: "string", multiple: true, default: [] },
    "fault-before-reads": { type: "string", multiple: true, default: [] },
    "refuse-ws": { type: "boolean", default: false },
    "grant-refresh": { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
    "no-constraint": { type: "boolean", default: false },
    account: { type: "string" },
    pause: { type: "string", default: "0" },
    settle: { type: "string", default: "1500" },
    gap: { type: "string", default: "0" },
    "delay-from-start": { type: "boolean", default: false },
    "turn-timeout": { type: "string", default: "60000" },
    unsubscribe: { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    idle: { type: "string", default: "0" },
    c: { type: "string", multiple: true, default: [] },
  },
});

const t0 = Date.now(); // the stand-in starts its own clock right after: call times line up with these
const at = () => `${String(Date.now() - t0).padStart(7)} ms`;
const say = (...parts: unknown[]) => console.log(at(), ...parts);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const backend = await startStandInChatGptBackend({
  refuseWebSocket: o["refuse-ws"],
  grantTokenRefresh: o["grant-refresh"],
  workspaceOrigin: o["no-constraint"] ? "NO_CONSTRAINT" : "self",
  ...(o.account ? { accountId: o.account } : {}),
  connectionDelayMs: o["delay-from-start"] ? Number(o.delay) : 0,
});
const egress = await startEgressGuard();
const dir = mkdtempSync(path.join(tmpdir(), "chatgpt-probe-"));
const codexHome = path.join(dir, "codex-home");
writeChatGptCodexHome(codexHome, { chatgptBaseUrl: backend.baseUrl, ...(o["no-pin"] ? {} : { openaiBaseUrl: backend.modelBaseUrl }) });
const applyFaults = (specs: readonly string[]) => {
  for (const spec of specs) {
    const [target, f] = spec.split(":") as [Endpoint | "model" | "rest", string];
    backend.fault(target, f === "off" ? undefined : ((f === "blackhole" ? f : Number(f)) as Fault));
  }
};
applyFaults(o["fault-at-start"]);

const child = spawn(resolveCodexBinary(), ["app-server", ...hardeningArgs(), ...o.c.flatMap((kv) => ["-c", kv])], {
  cwd: dir,
  env: { ...chatGptChildEnv(dir, egress, backend.caFile), ...tokenRefreshEnv(backend.tokenRefreshUrl), CODEX_HOME: codexHome, RUST_LOG: "error", NO_COLOR: "1" },
  stdio: ["pipe", "pipe", "pipe"],
});
child.stderr.resume();
const turnDone = new Map<string, () => void>();
const closedThreads = new Set<string>();
const shown = new Set(["error", "warning", "account/updated", "account/rateLimits/updated", "thread/closed"]);
const client = new JsonRpcClient(child.stdout, child.stdin, {
  onNotification(method, params) {
    const p = params as { threadId?: string; turn?: { status: string; error: unknown } };
    if (method === "thread/closed") closedThreads.add(p.threadId ?? "");
    if (method === "turn/completed") {
      if (!o.quiet) say("turn/completed", p.turn?.status, JSON.stringify(p.turn?.error ?? null));
      turnDone.get(p.threadId ?? "")?.();
    } else if (shown.has(method) && !o.quiet && method !== "thread/closed") say("notification", method, JSON.stringify(params).slice(0, 400));
  },
  onRequest: (method) => Promise.reject(new Error(`the probe does not answer ${method}`)),
  onProtocolError: (problem) => say("protocol error", problem),
}, () => Date.now());
const rssMb = () => ((child.pid && readStatus(child.pid)?.rssKb) ?? 0) / 1024;

try {
  say("initialize");
  await client.request("initialize", { clientInfo: { name: "chatgpt-backend-probe", title: "probe", version: pinnedCodexVersion() }, capabilities: { experimentalApi: true, requestAttestation: false } }, 30_000);
  client.notify("initialized");
  say("initialized");
  await sleep(Number(o.settle)); // by default the start-up calls finish before per-thread and per-turn ones are measured
  backend.connectionDelayMs = Number(o.delay);
  applyFaults(o.fault);
  say(`--- settled; per-connection delay ${o.delay} ms from here`);
  const durations: number[] = [];
  for (let t = 0; t < Number(o.threads); t += 1) {
    const ts = Date.now();
    const { thread } = await client.request<{ thread: { id: string } }>("thread/start", { cwd: dir, sandbox: "read-only", approvalPolicy: "never", ephemeral: true, baseInstructions: BASE_INSTRUCTIONS }, 60_000);
    if (!o.quiet) say(`thread/start #${t} answered in ${Date.now() - ts} ms`);
    if (Number(o.pause) > 0) await sleep(Number(o.pause));
    for (let k = 0; k < Number(o.turns); k += 1) {
      if (k > 0 && Number(o.gap) > 0) await sleep(Number(o.gap));
      const tt = Date.now();
      const done = new Promise<boolean>((resolve) => turnDone.set(thread.id, () => resolve(true)));
      await client.request("turn/start", { threadId: thread.id, input: [{ type: "text", text: `hello ${t}.${k}`, text_elements: [] }] }, 60_000);
      const finished = await Promise.race([done, sleep(Number(o["turn-timeout"])).then(() => false)]);
      durations.push(Date.now() - tt);
      if (!o.quiet) say(`turn #${t}.${k} ${finished ? "ended" : "STILL RUNNING"} after ${Date.now() - tt} ms`);
    }
    if (o.unsubscribe) await client.request("thread/unsubscribe", { threadId: thread.id }, 10_000);
    if (o.quiet && (t + 1) % 50 === 0) say(`${t + 1} threads, codex RSS ${rssMb().toFixed(0)} MB`);
  }
  const sorted = [...durations].sort((a, b) => a - b);
  const loaded = async () => (await client.request<{ data: unknown[] }>("thread/loaded/list", {}, 10_000)).data.length;
  say(`${sorted.length} turns, p50 ${sorted[Math.floor(sorted.length / 2)] ?? "-"} ms, codex RSS ${rssMb().toFixed(0)} MB, ${closedThreads.size} threads closed, ${await loaded()} loaded`);
  if (Number(o.idle) > 0) {
    await sleep(Number(o.idle));
    say(`after ${o.idle} ms idle, codex RSS ${rssMb().toFixed(0)} MB, ${closedThreads.size} threads closed, ${await loaded()} loaded`);
  }
  applyFaults(o["fault-before-reads"]);
  for (const [method, params] of [["account/read", { refreshToken: false }], ["account/rateLimits/read", undefined], ["model/list", {}]] as const) {
    const ts = Date.now();
    try {
      const r = await client.request<{ data?: { id: string; isDefault: boolean }[] }>(method, params, 30_000);
      const text = r.data ? r.data.map((m) => `${m.id}${m.isDefault ? " (default)" : ""}`).join(", ") : JSON.stringify(r);
      say(`${method} answered in ${Date.now() - ts} ms:`, text.slice(0, 300));
    } catch (err) {
      say(`${method} failed after ${Date.now() - ts} ms:`, err instanceof Error ? err.message : String(err));
    }
  }
} finally {
  await sleep(300);
  if (!o.quiet) {
    console.log("\n--- ChatGPT backend calls (ms since the stand-in started, about the probe's clock; TCP connection, transport, method, path):");
    for (const c of backend.calls) console.log(`${String(c.at).padStart(7)} c${String(c.connection).padEnd(4)} ${c.transport.padEnd(4)} ${c.method.padEnd(33)} ${c.path}`);
  }
  const over = (t: string) => backend.modelCalls.filter((c) => c.transport === t).length;
  console.log(`model calls: ${backend.modelCalls.length} (WebSocket ${over("ws")}, HTTP ${over("http")})`);
  console.log("egress attempts:", JSON.stringify([...egress.attempts]));
  child.kill("SIGTERM");
  await sleep(300);
  await backend.close();
  await egress.close();
  rmSync(dir, { recursive: true, force: true });
}
