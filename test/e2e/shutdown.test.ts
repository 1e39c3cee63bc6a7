import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { TEST_API_KEY, authHeaders, waitFor } from "../helpers/e2e-service.ts";
import { codexTestEnv, startEgressGuard, type EgressGuard } from "../helpers/egress-guard.ts";
import { parseSse } from "../helpers/sse.ts";
import { standInCodexConfig, startStandInUpstream, type StandInUpstream } from "../helpers/stand-in-upstream.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

// SIGTERM against the real entry point (`node --import tsx src/main.ts`), as `npm start` runs it.

const repo = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
const children: ChildProcess[] = [];
let egress: EgressGuard;
let upstream: StandInUpstream;
before(async () => {
  egress = await startEgressGuard();
  upstream = await startStandInUpstream();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await upstream.close();
  await egress.close();
});

interface Adapter {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startAdapter(env: Record<string, string>): Promise<Adapter> {
  const data = mkdtempSync(path.join(tmpdir(), "ccp-shutdown-"));
  dirs.push(data);
  mkdirSync(path.join(data, "codex-home"), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(data, "codex-home", "config.toml"), standInCodexConfig(upstream.baseUrl));
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: repo,
    env: { ...codexTestEnv(data, egress), DATA_DIR: data, PORT: "0", PROXY_API_KEY: TEST_API_KEY, SSE_KEEPALIVE_SECONDS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  await waitFor(() => /"url":"http:\/\/[^"]+\/v1"/.test(output), 30_000, "the adapter listening");
  const url = /"url":"(http:\/\/[^"]+)\/v1"/.exec(output)![1]!;
  await waitFor(async () => (await fetch(`${url}/healthz`)).status === 200, 30_000, "healthz 200");
  return { child, url, output: () => output, exited };
}

/** Every live process whose parent is `pid`, with its command name. */
function childrenOf(pid: number): { pid: number; comm: string }[] {
  const found: { pid: number; comm: string }[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid ...": comm may contain spaces, so split after the last ")".
      const [, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid) found.push({ pid: Number(entry), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** Whether `pid` still runs: a zombie (exited, waiting to be reaped by an init that may never do it) does not. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

function chat(url: string, body: object): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });
}

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  reusedSocket: boolean;
}

/** One GET through `agent`, reporting whether it went over a connection kept alive from an earlier request. */
function get(url: string, agent: http.Agent): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { Authorization: `Bearer ${TEST_API_KEY}` } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, reusedSocket: req.reusedSocket }));
    });
    req.on("error", reject);
  });
}

function assertShuttingDown(answer: RawAnswer): void {
  assert.equal(answer.status, 503);
  assert.equal(answer.headers.connection, "close");
  assert.ok(Number(answer.headers["retry-after"]) > 0);
  assert.deepEqual(JSON.parse(answer.body), {
    error: { message: "The adapter is shutting down; retry in a moment.", type: "service_unavailable", param: null, code: "shutting_down" },
  });
}

test("SIGTERM: new requests get 503 shutting_down (also on kept-alive connections), the running stream finishes, exit 0, no Codex left", async () => {
  const adapter = await startAdapter({ SHUTDOWN_GRACE_SECONDS: "20" });
  const pid = adapter.child.pid!;
  await waitFor(() => childrenOf(pid).some((c) => c.comm === "codex"), 10_000, "the codex child");
  const codex = childrenOf(pid);

  upstream.behave({ deltas: Array.from({ length: 15 }, (_, i) => `w${i} `), deltaIntervalMs: 200 });
  const res = await chat(adapter.url, { stream: true });
  assert.equal(res.status, 200);
  const stream = new StreamReader(res);
  await stream.until('"content":"w0 "');

  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const before = await get(`${adapter.url}/v1/models`, agent);
  assert.equal(before.status, 200);

  adapter.child.kill("SIGTERM");
  await waitFor(() => adapter.output().includes('"shutting down"'), 5000, "the shutdown to begin");
  const kept = await get(`${adapter.url}/v1/models`, agent);
  assert.ok(kept.reusedSocket, "sent over the connection kept alive from before");
  assertShuttingDown(kept);
  const fresh = await get(`${adapter.url}/healthz`, agent);
  assert.ok(!fresh.reusedSocket, "Connection: close ended the kept-alive connection");
  assertShuttingDown(fresh);
  const refused = await chat(adapter.url, {});
  assert.equal(refused.status, 503);
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "shutting_down");

  const { data } = parseSse(await stream.rest());
  assert.equal(data.filter((f) => f.includes('"error"')).length, 0, "the running stream was not interrupted");
  assert.equal(data.at(-1), "[DONE]");
  const text = data.slice(0, -1).map((f) => (JSON.parse(f) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "");
  assert.equal(text.join(""), Array.from({ length: 15 }, (_, i) => `w${i} `).join(""));

  assert.equal(await adapter.exited, 0);
  agent.destroy();
  assert.ok(codex.length > 0);
  for (const c of codex) assert.ok(!running(c.pid), `${c.comm} ${c.pid} is gone`);
});

test("SIGTERM with a short grace: running requests are interrupted with shutting_down, Codex stops its upstream call, exit 0", async () => {
  const adapter = await startAdapter({ SHUTDOWN_GRACE_SECONDS: "1" });
  const pid = adapter.child.pid!;
  await waitFor(() => childrenOf(pid).some((c) => c.comm === "codex"), 10_000, "the codex child");
  const codex = childrenOf(pid);

  upstream.behave((req) =>
    JSON.stringify(req.body.input).includes("plain")
      ? { deltas: ["too late"], firstByteDelayMs: 30_000 }
      : { deltas: Array.from({ length: 300 }, (_, i) => `s${i} `), deltaIntervalMs: 100 },
  );
  const res = await chat(adapter.url, { stream: true });
  const stream = new StreamReader(res);
  await stream.until('"content":"s1 "');
  const plain = chat(adapter.url, { messages: [{ role: "user", content: "plain" }] });
  await waitFor(() => upstream.openStreams === 2, 10_000, "both requests at the upstream");

  const signalled = Date.now();
  adapter.child.kill("SIGTERM");
  const { data } = parseSse(await stream.rest());
  assert.ok(Date.now() - signalled < 15_000, "interrupted after the grace, long before the answer would end");
  const errors = data.filter((f) => f.includes('"error"')).map((f) => (JSON.parse(f) as { error: { code: string } }).error.code);
  assert.deepEqual(errors, ["shutting_down"]);
  assert.notEqual(data.at(-1), "[DONE]");
  const plainRes = await plain;
  assert.equal(plainRes.status, 503);
  assert.equal(((await plainRes.json()) as { error: { code: string } }).error.code, "shutting_down");

  assert.equal(await adapter.exited, 0);
  await waitFor(() => upstream.openStreams === 0, 5000, "Codex's upstream calls ended");
  for (const c of codex) assert.ok(!running(c.pid), `${c.comm} ${c.pid} is gone`);
  assert.match(adapter.output(), /interrupting the requests still running/);
});
