import assert from "node:assert/strict";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import { chatGptChildEnv } from "../helpers/chatgpt-codex-home.ts";
import { waitFor } from "../helpers/e2e-service.ts";
import { startEgressGuard, type EgressGuard } from "../helpers/egress-guard.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";
import { parseSse } from "../helpers/sse.ts";
import { startStandInChatGptBackend, type StandInChatGptBackend } from "../helpers/stand-in-chatgpt-backend.ts";

/**
 * The package as a user installs it: `npm pack` (which builds dist/), installed with production
 * dependencies only into a temporary prefix, and its `codex-cli-provider` command run from an
 * empty directory with a fabricated ChatGPT login in the per-user data directory, against the
 * stand-in ChatGPT backend. The install is offline: npm takes every package from its cache (which
 * the checkout's own install filled) as the project's lock file pins it, the tarball's own
 * npm-shrinkwrap.json carrying the same pins for a registry install.
 */
const run = promisify(execFile);
const repo = path.resolve(import.meta.dirname, "../..");
const manifest = JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string; dependencies: Record<string, string>; bin: Record<string, string> };
const ALLOWED = /^package\/(dist\/.+\.(js|css|html)|package\.json|README\.md|LICENSE|npm-shrinkwrap\.json)$/;

let work: string;
let prefix: string;
let command: string;
let home: string;
let chatgpt: StandInChatGptBackend;
let egress: EgressGuard;
const children: ChildProcess[] = [];

/** A lock for a project that depends on the tarball alone: the checkout's lock without its development packages. */
function lockFor(tarball: string): object {
  const shrinkwrap = JSON.parse(readFileSync(path.join(repo, "npm-shrinkwrap.json"), "utf8")) as { packages: Record<string, { dev?: boolean; devOptional?: boolean }> };
  const production = Object.entries(shrinkwrap.packages).filter(([key, entry]) => key !== "" && !entry.dev && !entry.devOptional);
  return {
    lockfileVersion: 3,
    requires: true,
    packages: {
      "": { dependencies: { "codex-cli-provider": `file:${tarball}` } },
      "node_modules/codex-cli-provider": { version: manifest.version, resolved: `file:${tarball}`, dependencies: manifest.dependencies, bin: manifest.bin },
      ...Object.fromEntries(production),
    },
  };
}

before(async () => {
  work = mkdtempSync(path.join(tmpdir(), "ccp-package-"));
  const { stdout } = await run("npm", ["pack", "--silent", "--pack-destination", work], { cwd: repo, maxBuffer: 10_000_000 });
  const tarball = stdout.trim().split("\n").at(-1) ?? "";
  const listing = (await run("tar", ["-tzf", path.join(work, tarball)], { maxBuffer: 10_000_000 })).stdout.trim().split("\n");
  const stray = listing.filter((file) => !ALLOWED.test(file));
  assert.deepEqual(stray, [], "the tarball holds only what runs");
  console.log(`# ${tarball}: ${listing.length} files`);

  prefix = path.join(work, "prefix");
  mkdirSync(prefix);
  writeFileSync(path.join(prefix, "package.json"), JSON.stringify({ private: true, dependencies: { "codex-cli-provider": `file:../${tarball}` } }));
  writeFileSync(path.join(prefix, "package-lock.json"), JSON.stringify(lockFor(`../${tarball}`)));
  await run("npm", ["ci", "--omit=dev", "--offline", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: prefix, maxBuffer: 10_000_000 });
  command = path.join(prefix, "node_modules", ".bin", "codex-cli-provider");

  chatgpt = await startStandInChatGptBackend({ publicOrigin: "https://chatgpt.com" });
  egress = await startEgressGuard({ tunnels: { "chatgpt.com:443": chatgpt.port, "auth.openai.com:443": chatgpt.port } });
  home = path.join(work, "home");
  const codexHome = path.join(home, ".local", "share", "codex-cli-provider", "codex-home");
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(codexHome, "auth.json"), fakeChatGptAuthJson(), { mode: 0o600 });
});

after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await egress?.close();
  await chatgpt?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** An empty directory to run the command in: nothing may be written there. */
function emptyDir(): string {
  const dir = mkdtempSync(path.join(work, "cwd-"));
  chmodSync(dir, 0o555);
  return dir;
}

/** The environment a user's shell gives the command: HOME, PATH, and the test's network fences. */
const userEnv = (): Record<string, string> => ({ ...chatGptChildEnv(home, egress, chatgpt.caFile), PORT: "0" });

test("the installed package holds production dependencies only, and the command answers --version and --help", async () => {
  const installed = readdirSync(path.join(prefix, "node_modules"));
  for (const tool of ["tsx", "typescript", "eslint", "esbuild", "openai"]) assert.ok(!installed.includes(tool), `${tool} is not installed`);
  const cwd = emptyDir();
  assert.equal((await run(command, ["--version"], { cwd, env: userEnv() })).stdout.trim(), manifest.version);
  assert.match((await run(command, ["--help"], { cwd, env: userEnv() })).stdout, /Usage: codex-cli-provider \[command\]/);
});

test("status from another directory reads the login in the per-user data directory", async () => {
  const { stdout } = await run(command, ["status"], { cwd: emptyDir(), env: userEnv() });
  assert.match(stdout, new RegExp(`Using CODEX_HOME=${path.join(home, ".local", "share", "codex-cli-provider", "codex-home")}`));
  assert.match(stdout, /ChatGPT/);
});

test("serve from another directory: compiled JavaScript, data in the per-user directory, /healthz 200, a streamed chat, a clean stop", async () => {
  const cwd = emptyDir();
  let output = "";
  const child = spawn(command, [], { cwd, env: userEnv(), stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  // The last start-up line: the ones before it are all in `output` once it is.
  await waitFor(() => output.includes('"msg":"sign in once with'), 30_000, "the start-up lines");
  const url = /"url":"(http:[^"]+)\/v1"/.exec(output)?.[1] ?? "";
  const dataDir = path.join(home, ".local", "share", "codex-cli-provider");
  assert.ok(output.includes(`"dataDir":"${dataDir}","chosenBy":"per-user directory"`), "the start says where the data lives");
  assert.ok(output.includes("`codex-cli-provider login`"), "the sign-in hint names the command");
  // The command is node running dist/: no TypeScript loader in the process.
  const [program = "", script = "", ...rest] = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  assert.equal(path.basename(program), "node");
  assert.ok(realpathSync(script).endsWith(path.join("codex-cli-provider", "dist", "main.js")), script);
  assert.deepEqual(rest, []);

  await waitFor(async () => (await fetch(`${url}/healthz`)).status === 200, 30_000, "/healthz 200");
  chatgpt.behave({ deltas: ["Installed", " and", " answering."] });
  const key = readFileSync(path.join(dataDir, "secrets", "proxy_api_key"), "utf8").trim();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], stream: true }),
  });
  assert.equal(res.status, 200);
  const { data } = parseSse(await res.text());
  assert.equal(data.at(-1), "[DONE]");
  const text = data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "").join("");
  assert.equal(text, "Installed and answering.");

  child.kill("SIGTERM");
  assert.equal(await exited, 0);
  assert.deepEqual(readdirSync(cwd), [], "nothing written in the directory it ran in");
  assert.ok(!existsSync(path.join(prefix, "node_modules", "codex-cli-provider", "data")), "nothing written in the install tree");
  assert.ok(!output.includes(key), "the key is never printed");
});
