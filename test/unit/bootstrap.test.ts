import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { bootstrap } from "../../src/bootstrap.ts";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/core/logger.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-bootstrap-"));
  dirs.push(dir);
  return dir;
}

const STRONG_KEY = randomBytes(32).toString("hex");

test("first start creates private directories and a strong 0600 key; later starts read the same key", () => {
  const config = loadConfig({ DATA_DIR: dataDir() });
  const first = bootstrap(config, createLogger("silent"));
  assert.equal(first.createdKey, true);
  assert.equal(statSync(config.proxyApiKeyFile).mode & 0o777, 0o600);
  assert.equal(statSync(config.codexHome).mode & 0o777, 0o700);
  const again = bootstrap(config, createLogger("silent"));
  assert.deepEqual(again, { apiKey: first.apiKey, createdKey: false });
});

test("a key file readable by others is made private", () => {
  const config = loadConfig({ DATA_DIR: dataDir() });
  bootstrap(config, createLogger("silent"));
  chmodSync(config.proxyApiKeyFile, 0o644);
  bootstrap(config, createLogger("silent"));
  assert.equal(statSync(config.proxyApiKeyFile).mode & 0o777, 0o600);
});

// Docker mounts the key read-only: chmod fails with EROFS. A private mount namespace with a
// read-only bind mount reproduces that without Docker.
test("a loose key on a read-only mount starts with a warning naming the file, not the key", (t) => {
  const data = dataDir();
  const secrets = path.join(data, "secrets");
  const config = loadConfig({ DATA_DIR: data });
  bootstrap(config, createLogger("silent"));
  writeFileSync(config.proxyApiKeyFile, `${STRONG_KEY}\n`);
  chmodSync(config.proxyApiKeyFile, 0o644);
  const run = `import("${path.resolve("src/bootstrap.ts")}").then(async ({ bootstrap }) => {
    const { loadConfig } = await import("${path.resolve("src/config.ts")}");
    const { createLogger } = await import("${path.resolve("src/core/logger.ts")}");
    const result = bootstrap(loadConfig({ DATA_DIR: "${data}" }), createLogger("info", (l) => process.stdout.write(l)));
    process.stdout.write(JSON.stringify({ keyMatches: result.apiKey === "${STRONG_KEY}" }) + "\\n");
  });`;
  const probe = spawnSync("unshare", ["-m", "true"]);
  if (probe.status !== 0) return t.skip("cannot create a mount namespace here (needs root and unshare)");
  const child = spawnSync("unshare", ["-m", "sh", "-c", 'mount --bind -o ro "$1" "$1" && exec "$2" --import tsx -e "$3"', "sh", secrets, process.execPath, run], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  const lines = child.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(lines.at(-1), { keyMatches: true });
  const warning = lines.find((l) => l.level === "warn");
  assert.equal(warning?.keyFile, config.proxyApiKeyFile);
  assert.equal(warning?.error, "EROFS");
  assert.ok(!child.stdout.includes(STRONG_KEY));
  assert.equal(statSync(config.proxyApiKeyFile).mode & 0o777, 0o644);
  assert.equal(readFileSync(config.proxyApiKeyFile, "utf8").trim(), STRONG_KEY);
});
