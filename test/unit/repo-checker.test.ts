import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { checkRepoContent, checkRepoPath, formatRepoViolation, REPO_RULES, type RepoRule } from "../../scripts/repo-rules.ts";
import { repoRoot, scanRepository } from "../../scripts/repo-scan.ts";
import { TEST_API_KEY } from "../helpers/e2e-service.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";

// Credential-shaped samples are assembled at run time so that this file itself stays clean.
const SAMPLE = {
  openAiProjectKey: `sk-${"proj"}-${"A1b2C3d4E5".repeat(8)}`,
  openAiLegacyKey: `sk-${"a1B2c3D4e5".repeat(2)}${"T3Blbk"}FJ${"f6G7h8J9k0".repeat(2)}`,
  jwt: ["eyJ" + "hbGciOiJSUzI1NiJ9", "eyJ" + "zdWIiOiJ1c2VyLTEyMyJ9", "Qx7".repeat(15)].join("."),
  privateKey: `-----BEGIN ${"OPENSSH"} PRIVATE KEY-----`,
  refreshToken: JSON.stringify({ refresh_token: "rt".repeat(20) }),
  githubToken: `gh${"p"}_${"Ab3".repeat(12)}`,
  awsKey: `AKI${"A"}${"QWERTYUIOPASDFGH"}`,
};

const PATH_CASES: ReadonlyArray<{ file: string; rule: RepoRule }> = [
  { file: ".env", rule: "env-file" },
  { file: "deploy/.env.production", rule: "env-file" },
  { file: "data/exec-instructions.md", rule: "data-dir" },
  { file: "data/codex-home/config.toml", rule: "data-dir" },
  { file: "backup/auth.json", rule: "codex-auth" },
  { file: "home/.codex/config.toml", rule: "codex-auth" },
  { file: "logs/rollout-2026-01-01T10-00-00-0193.jsonl", rule: "codex-session" },
  { file: "sessions/2026/01/01/chat.jsonl", rule: "codex-session" },
  { file: "history.jsonl", rule: "codex-session" },
  { file: "backup/proxy_api_key", rule: "key-file" },
  { file: "certs/server.pem", rule: "key-file" },
  { file: "id_ed25519", rule: "key-file" },
];

const CONTENT_CASES: ReadonlyArray<{ name: string; text: string; rule: RepoRule }> = [
  { name: "OpenAI project key", text: `const key = "${SAMPLE.openAiProjectKey}";`, rule: "openai-api-key" },
  { name: "OpenAI legacy key", text: `OPENAI_API_KEY=${SAMPLE.openAiLegacyKey}`, rule: "openai-api-key" },
  { name: "JWT", text: `Authorization: Bearer ${SAMPLE.jwt}`, rule: "jwt" },
  { name: "PEM private key", text: `${SAMPLE.privateKey}\nb3BlbnNzaC1rZXktdjE=`, rule: "private-key" },
  { name: "auth.json token field", text: SAMPLE.refreshToken, rule: "oauth-token" },
  { name: "Codex auth.json as the tests fabricate it", text: fakeChatGptAuthJson(), rule: "oauth-token" },
  { name: "GitHub token", text: `token: ${SAMPLE.githubToken}`, rule: "github-token" },
  { name: "AWS access key id", text: `aws_access_key_id = ${SAMPLE.awsKey}`, rule: "aws-access-key" },
];

describe("repository hygiene rules", () => {
  for (const { file, rule } of PATH_CASES) {
    test(`path ${file}: ${rule}`, () => {
      assert.deepEqual(checkRepoPath(file).map((v) => v.rule), [rule]);
    });
  }

  for (const { name, text, rule } of CONTENT_CASES) {
    test(`content, ${name}: ${rule}`, () => {
      assert.deepEqual(new Set(checkRepoContent("file.txt", text).map((v) => v.rule)), new Set([rule]));
    });
  }

  test("every rule has a failing case", () => {
    const covered = [...PATH_CASES, ...CONTENT_CASES].map((c) => c.rule);
    assert.deepEqual(new Set(covered), new Set(REPO_RULES));
  });

  test("shared and look-alike paths pass", () => {
    for (const file of [".env.example", "docs/data-flow.md", "src/http/auth.ts", "test/fixtures/compose/hardened.yml", "src/backend/account-status.ts"]) {
      assert.deepEqual(checkRepoPath(file), [], file);
    }
  });

  test("the tests' made-up keys and short placeholders pass", () => {
    const text = [
      `export const TEST_API_KEY = "${TEST_API_KEY}";`,
      'startMain({ OPENAI_API_KEY: "sk-should-never-be-used" });',
      'tokens: { access_token: "fake-access-token", refresh_token: "fake-refresh-token" }',
      "const idToken = [header, payload, 'sig'].join('.');",
    ].join("\n");
    assert.deepEqual(checkRepoContent("test/x.ts", text), []);
  });

  test("a finding names the line but never shows the matched text", () => {
    const [violation, ...rest] = checkRepoContent("notes.md", `first line\nkey: ${SAMPLE.openAiProjectKey}\n`);
    assert.ok(violation);
    assert.equal(rest.length, 0);
    const line = formatRepoViolation(violation);
    assert.match(line, /^notes\.md:2: \[openai-api-key\] /);
    assert.ok(!line.includes(SAMPLE.openAiProjectKey));
  });

  test("binary files are not scanned", () => {
    assert.deepEqual(checkRepoContent("logo.png", `\u0000${SAMPLE.awsKey}`), []);
  });
});

describe("repository hygiene on real repositories", () => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const scratch = mkdtempSync(path.join(os.tmpdir(), "repo-checker-"));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  test("this repository passes", () => {
    assert.deepEqual(scanRepository(repoRoot(here)).map(formatRepoViolation), []);
  });

  test("the script reports committed-to-be files, skips ignored ones and prints no secret", () => {
    execFileSync("git", ["init", "-q"], { cwd: scratch });
    mkdirSync(path.join(scratch, "data"));
    mkdirSync(path.join(scratch, "src"));
    writeFileSync(path.join(scratch, ".gitignore"), "ignored/\n");
    writeFileSync(path.join(scratch, ".env"), "LOG_LEVEL=debug\n");
    writeFileSync(path.join(scratch, "data", "notes.txt"), "hello\n");
    writeFileSync(path.join(scratch, "src", "leak.ts"), `export const k = "${SAMPLE.openAiProjectKey}";\n`);
    mkdirSync(path.join(scratch, "ignored"));
    writeFileSync(path.join(scratch, "ignored", "auth.json"), SAMPLE.refreshToken);

    const script = path.join(here, "../../scripts/check-repo.ts");
    const run = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), script], { cwd: scratch, encoding: "utf8" });
    assert.equal(run.status, 1, run.stderr);
    assert.deepEqual(run.stdout.trim().split("\n").sort(), [
      ".env: [env-file] environment files hold local settings and keys; only .env.example is shared",
      "data/notes.txt: [data-dir] data/ holds the Codex login, the work directory and the bearer key",
      "src/leak.ts:1: [openai-api-key] looks like an OpenAI API key",
    ]);
    assert.ok(!run.stdout.includes(SAMPLE.openAiProjectKey));
  });
});
