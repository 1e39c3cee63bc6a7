import assert from "node:assert/strict";
import { test } from "node:test";
import { describeView } from "../../src/backend/account-status.ts";
import { BackendError } from "../../src/backend/backend-error.ts";
import { codexChildEnv } from "../../src/backend/child-env.ts";
import { hardeningArgs } from "../../src/backend/codex-hardening.ts";
import { createExecBackend } from "../../src/backend/exec-backend.ts";
import type { Backend } from "../../src/backend/types.ts";
import { summarizeLoginStatus } from "../../src/backend/login-status.ts";
import { operatorCommands } from "../../src/operator-commands.ts";

const LOCAL = operatorCommands("local", "checkout");
const DOCKER = operatorCommands("docker", "package");

test("login status is summarized in the adapter's words: a masked API key is never echoed", () => {
  const apiKey = summarizeLoginStatus(0, "API key configured - sk-proj-***bcdef\nAuthentication is checked when you send a request.\n", LOCAL.login);
  assert.equal(apiKey.authMode, "apikey");
  assert.ok(!apiKey.summary.includes("sk-") && !apiKey.summary.includes("bcdef"));
  assert.deepEqual(summarizeLoginStatus(0, "WARNING: something\nLogged in using ChatGPT\n", LOCAL.login), { authMode: "chatgpt", summary: "Logged in using ChatGPT." });
  assert.equal(summarizeLoginStatus(0, "Logged in using personal access token\n", LOCAL.login).authMode, "other");
  assert.equal(summarizeLoginStatus(1, "Not logged in\n", LOCAL.login).authMode, null);
  assert.equal(summarizeLoginStatus(1, "Logged in using ChatGPT\n", LOCAL.login).authMode, null, "only a successful exit counts");
  assert.match(summarizeLoginStatus(1, "Not logged in\n", LOCAL.login).summary, /npm run login/);
});

test("Codex's sign-in and token overrides never pass from the adapter's environment to Codex", () => {
  const env = codexChildEnv(
    {
      PATH: "/bin",
      CODEX_APP_SERVER_LOGIN_ISSUER: "http://127.0.0.1:4567",
      CODEX_REFRESH_TOKEN_URL_OVERRIDE: "https://auth.evil.example/oauth/token",
      CODEX_REVOKE_TOKEN_URL_OVERRIDE: "http://127.0.0.1:4567/oauth/revoke",
      OPENAI_API_KEY: "sk-never",
    },
    "/home/codex",
  );
  assert.deepEqual(Object.keys(env).sort(), ["CODEX_HOME", "NO_COLOR", "PATH", "RUST_LOG"]);
});

test("every Codex child keeps its login in CODEX_HOME/auth.json (file credential store)", () => {
  const args = hardeningArgs();
  const at = args.indexOf('cli_auth_credentials_store="file"');
  assert.ok(at > 0 && args[at - 1] === "-c");
});

test("a ChatGPT login counts only while auth.json is there and the upstream has not refused it", () => {
  const chatgpt = { authMode: "chatgpt", planType: "plus", requiresOpenaiAuth: true };
  const none = { authMode: null, planType: null, requiresOpenaiAuth: true };
  const quiet = { fileRemoved: false, rejected: false, ended: false };
  assert.equal(describeView(chatgpt, LOCAL.login, quiet).usable, true);
  assert.match(describeView(chatgpt, LOCAL.login, { ...quiet, fileRemoved: true }).problem ?? "", /auth\.json is gone.*sign in again/);
  assert.match(describeView(chatgpt, LOCAL.login, { ...quiet, rejected: true }).problem ?? "", /refused.*sign in again/);
  assert.match(describeView(none, LOCAL.login, { ...quiet, rejected: true }).problem ?? "", /refused.*sign in again/);
  assert.match(describeView(none, LOCAL.login, { ...quiet, ended: true }).problem ?? "", /ended.*sign in again/);
  assert.match(describeView(none, LOCAL.login, quiet).problem ?? "", /not signed in/);
  assert.equal(describeView({ ...none, requiresOpenaiAuth: false }, LOCAL.login, { ...quiet, ended: true }).usable, true, "a provider that needs no OpenAI login");
  assert.match(describeView({ authMode: "apikey", planType: null, requiresOpenaiAuth: true }, LOCAL.login, quiet).problem ?? "", /API key/);
});

test("in the image (DEPLOYMENT=docker) every sign-in hint names the compose command, none names npm", async () => {
  const none = { authMode: null, planType: null, requiresOpenaiAuth: true };
  const quiet = { fileRemoved: false, rejected: false, ended: false };
  const hints = [
    describeView(none, DOCKER.login, quiet).problem,
    describeView(none, DOCKER.login, { ...quiet, ended: true }).problem,
    summarizeLoginStatus(1, "Not logged in\n", DOCKER.login).summary,
    await createExecBackend({ bin: "/nonexistent/codex", codexArgs: [], env: {}, workDir: "/tmp", instructionsFile: "/tmp/unused.md", commands: DOCKER }).logout().then(
      () => "logout resolved",
      (err: Error) => err.message,
    ),
  ];
  for (const hint of hints) {
    assert.ok(hint?.includes("`docker compose run --rm codex-cli-provider login`"), hint);
    assert.ok(!hint?.includes("npm"), hint);
  }
  assert.match(hints[3] ?? "", /`docker compose run --rm codex-cli-provider logout`/);
});

test("the exec backend sends dashboard sign-in to `npm run login`", async () => {
  const exec: Backend = createExecBackend({ bin: "/nonexistent/codex", codexArgs: [], env: {}, workDir: "/tmp", instructionsFile: "/tmp/unused.md", commands: LOCAL });
  assert.deepEqual(exec.loginState(), { status: "idle" });
  for (const call of [() => exec.startLogin(), () => exec.cancelLogin(), () => exec.logout()]) {
    await assert.rejects(call(), (err: unknown) => err instanceof BackendError && /app-server backend/.test(err.message) && /npm run login/.test(err.message));
  }
  assert.deepEqual(await exec.accountDetails(), { signedIn: false, authMode: null, planType: null, rateLimits: null, credits: null });
  exec.onAccountChanged(() => assert.fail("never called"))();
});
