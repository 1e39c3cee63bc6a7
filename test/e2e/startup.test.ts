import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { pinnedCodexVersion, resolveCodexBinary } from "../../src/backend/codex-binary.ts";
import { waitFor } from "../helpers/e2e-service.ts";
import { codexTestEnv, startEgressGuard, type EgressGuard } from "../helpers/egress-guard.ts";

const repo = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
const children: ChildProcess[] = [];
let egress: EgressGuard;
before(async () => {
  egress = await startEgressGuard();
});
after(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  await egress.close();
});

function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-start-"));
  dirs.push(dir);
  return dir;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs the real entry point, as `npm start` does, with a clean environment. */
function startMain(env: Record<string, string>): Started {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: repo,
    env: { ...codexTestEnv(tmpdir(), egress), PORT: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

const listeningUrl = (output: string) => /"url":"(http:\/\/[^"]+)\/v1"/.exec(output)?.[1];

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

test("first start creates private data dirs and a 0600 key that is never printed; SIGTERM exits 0 leaving no Codex behind", async () => {
  const data = tempDir();
  const run = startMain({ DATA_DIR: data });
  await waitFor(() => run.output().includes("npm run login"), 30_000, "the start-up lines");
  const keyFile = path.join(data, "secrets", "proxy_api_key");
  assert.equal(statSync(keyFile).mode & 0o777, 0o600);
  for (const dir of ["codex-home", "codex-work", "secrets"]) assert.equal(statSync(path.join(data, dir)).mode & 0o777, 0o700);
  const key = readFileSync(keyFile, "utf8").trim();
  assert.ok(key.length >= 32);
  assert.ok(run.output().includes(keyFile), "tells the operator where the key is");

  const url = listeningUrl(run.output())!;
  const models = await fetch(`${url}/v1/models`, { headers: { Authorization: `Bearer ${key}` } });
  assert.equal(models.status, 200);
  await waitFor(() => childPids(run.child.pid!).length > 0, 10_000, "the codex child");
  const codexPids = childPids(run.child.pid!);

  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0);
  assert.ok(!run.output().includes(key), "the key never reaches the output");
  for (const pid of codexPids) assert.throws(() => process.kill(pid, 0), "codex child is gone");
});

test("startup is refused when OPENAI_API_KEY is set", async () => {
  const run = startMain({ DATA_DIR: tempDir(), OPENAI_API_KEY: "sk-should-never-be-used" });
  assert.equal(await run.exited, 2);
  assert.match(run.output(), /OPENAI_API_KEY/);
  assert.ok(!run.output().includes("sk-should-never-be-used"));
});

test("startup is refused with a weak or placeholder key, and every bad variable is named at once", async () => {
  const run = startMain({ DATA_DIR: tempDir(), PROXY_API_KEY: "changeme", CODEX_BACKEND: "nope", PORT: "abc" });
  assert.equal(await run.exited, 2);
  const out = run.output();
  assert.match(out, /CODEX_BACKEND/);
  assert.match(out, /PORT/);
  const weak = startMain({ DATA_DIR: tempDir(), PROXY_API_KEY: "changeme-changeme-changeme-changeme-1234" });
  assert.equal(await weak.exited, 2);
  assert.match(weak.output(), /placeholder/);
});

test("a Codex binary of another version is a readiness failure naming both versions, not a crash", async () => {
  const dir = tempDir();
  const fake = path.join(dir, "codex");
  writeFileSync(fake, `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "codex-cli 0.1.0"; exit 0; fi\nexec "${resolveCodexBinary()}" "$@"\n`);
  chmodSync(fake, 0o755);
  const run = startMain({ DATA_DIR: dir, CODEX_BIN: fake, PROXY_API_KEY: "Vb3nQ8xZ2mW7kR4tY9pL1cH6jF0sD5gA" });
  await waitFor(() => listeningUrl(run.output()) !== undefined, 30_000, "listening");
  const named = `version 0.1.0 but this adapter pins ${pinnedCodexVersion()}`;
  await waitFor(() => run.output().includes(named), 15_000, "both versions named");
  assert.equal((await fetch(`${listeningUrl(run.output())}/healthz`)).status, 503);
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0);
});

test("OLLAMA_PORT opens a second port serving Ollama's paths only; keyless, the start says so loudly; SIGTERM closes both", async () => {
  const run = startMain({ DATA_DIR: tempDir(), OLLAMA_PORT: "0", OLLAMA_WITHOUT_KEY: "true" });
  await waitFor(() => /"listening for Ollama apps","url":"http:[^"]+","key":"not needed"/.test(run.output()), 30_000, "the Ollama port's line");
  const ollama = /"listening for Ollama apps","url":"(http:[^"]+)"/.exec(run.output())?.[1] ?? "";
  assert.match(run.output(), /"level":"warn","msg":"KEYLESS: http:\/\/127\.0\.0\.1:\d+ answers Ollama's API without the bearer key/);
  assert.equal((await fetch(`${ollama}/`)).status, 200, "the root answers as on the main port");
  const other = await fetch(`${ollama}/v1/models`);
  assert.equal(other.status, 404);
  assert.match(((await other.json()) as { error: string }).error, /Ollama's API only/);
  run.child.kill("SIGTERM");
  assert.equal(await run.exited, 0);
  await assert.rejects(fetch(`${ollama}/`), "the Ollama port is closed too");
});
