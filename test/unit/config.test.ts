import assert from "node:assert/strict";
import path from "node:path";
import { describe, test } from "node:test";
import { ConfigError, describeWeakKey, loadConfig } from "../../src/config.ts";
import type { InstallLayout } from "../../src/install-layout.ts";

const KEY = "cfg-test-key-4hJ8kL2mN6pQ9rS3tU7vW1xY";
const PACKAGE: InstallLayout = { kind: "package", version: "1.2.3", defaultDataDir: "/home/u/.local/share/codex-cli-provider" };
const CHECKOUT: InstallLayout = { kind: "checkout", version: "1.2.3", defaultDataDir: "/srv/checkout/data" };
const load = (env: Record<string, string> = {}) => loadConfig({ PROXY_API_KEY: KEY, ...env }, "/srv/app", CHECKOUT);

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, "/srv/app");
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("loadConfig accepted a bad environment");
}

describe("config defaults", () => {
  test("an empty environment gives the documented defaults", () => {
    const c = loadConfig({}, "/srv/app");
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.port, 8320);
    assert.equal(c.backend, "app-server");
    assert.equal(c.proxyApiKey, undefined);
    assert.equal(c.upstreamModel, undefined);
    assert.equal(c.requestTimeoutMs, 180_000);
    assert.equal(c.maxRequestBodyBytes, 25_000_000);
    assert.equal(c.maxMessages, 10_000);
    assert.equal(c.maxTotalTextChars, 2_000_000);
    assert.equal(c.maxImageBytes, 5_000_000);
    assert.deepEqual(c.modelAliases, []);
    assert.equal(c.maxConcurrentRequests, 8);
    assert.equal(c.maxQueueLength, 32);
    assert.equal(c.queueWaitMs, 5_000);
    assert.equal(c.keepAliveMs, 15_000);
    assert.equal(c.healthCheckIntervalMs, 30_000);
    assert.deepEqual(c.corsAllowedOrigins, []);
    assert.equal(c.logLevel, "info");
  });

  test("without DATA_DIR the data lives where the install keeps it; given paths resolve against the working directory", () => {
    const c = loadConfig({}, "/srv/app", PACKAGE);
    assert.equal(c.dataDir, "/home/u/.local/share/codex-cli-provider");
    assert.equal(c.dataDirFrom, "per-user directory");
    assert.equal(c.codexHome, "/home/u/.local/share/codex-cli-provider/codex-home");
    assert.equal(c.proxyApiKeyFile, "/home/u/.local/share/codex-cli-provider/secrets/proxy_api_key");
    assert.equal(loadConfig({}, "/srv/app", CHECKOUT).dataDirFrom, "checkout");
    const given = loadConfig({ DATA_DIR: "var/x", CODEX_HOME: "home" }, "/srv/app", PACKAGE);
    assert.deepEqual([given.dataDir, given.dataDirFrom, given.codexHome], [path.resolve("/srv/app/var/x"), "DATA_DIR", path.resolve("/srv/app/home")]);
  });

  test("the sign-in commands the hints name: npm's in a checkout, the command when installed, the compose service's in the image", () => {
    assert.deepEqual(loadConfig({}, "/srv/app", CHECKOUT).commands, { login: "npm run login", status: "npm run login:status", logout: "npm run logout" });
    assert.deepEqual(loadConfig({}, "/srv/app", PACKAGE).commands, { login: "codex-cli-provider login", status: "codex-cli-provider status", logout: "codex-cli-provider logout" });
    const image = loadConfig({ DEPLOYMENT: "docker" }, "/srv/app", PACKAGE).commands;
    assert.equal(image.login, "docker compose run --rm codex-cli-provider login");
    assert.equal(image.status, "docker compose run --rm codex-cli-provider status");
    assert.match(configError({ DEPLOYMENT: "kubernetes" }).message, /DEPLOYMENT/);
  });

  test("the Ollama port is off unless OLLAMA_PORT is set; keyless needs it and a loopback HOST", () => {
    assert.deepEqual([load().ollamaPort, load().ollamaWithoutKey], [undefined, false]);
    assert.deepEqual([load({ OLLAMA_PORT: "11434" }).ollamaPort, load({ OLLAMA_PORT: "11434", OLLAMA_WITHOUT_KEY: "true" }).ollamaWithoutKey], [11434, true]);
    assert.match(configError({ OLLAMA_WITHOUT_KEY: "true" }).message, /OLLAMA_WITHOUT_KEY is set but OLLAMA_PORT is not/);
    assert.match(configError({ OLLAMA_WITHOUT_KEY: "true", OLLAMA_PORT: "11434", HOST: "0.0.0.0" }).message, /loopback HOST.*0\.0\.0\.0/);
    assert.equal(load({ OLLAMA_WITHOUT_KEY: "1", OLLAMA_PORT: "11434", HOST: "::1" }).ollamaWithoutKey, true);
  });

  test("the config is frozen", () => {
    const c = load();
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.corsAllowedOrigins));
    assert.ok(Object.isFrozen(c.commands));
  });
});

describe("config clamping", () => {
  const cases: [string, string, keyof ReturnType<typeof load>, number][] = [
    ["MAX_MESSAGES", "0", "maxMessages", 1],
    ["MAX_MESSAGES", "1000000", "maxMessages", 100_000],
    ["MAX_MESSAGES", "-5", "maxMessages", 1],
    ["MAX_MESSAGES", " 40 ", "maxMessages", 40],
    ["CODEX_REQUEST_TIMEOUT_SECONDS", "1", "requestTimeoutMs", 5_000],
    ["CODEX_REQUEST_TIMEOUT_SECONDS", "5000", "requestTimeoutMs", 900_000],
    ["CODEX_REQUEST_TIMEOUT_SECONDS", "60", "requestTimeoutMs", 60_000],
    ["MAX_REQUEST_BODY_BYTES", "999999999", "maxRequestBodyBytes", 100_000_000],
    ["MAX_REQUEST_BODY_BYTES", "10", "maxRequestBodyBytes", 1024],
    ["MAX_TOTAL_TEXT_CHARS", "0", "maxTotalTextChars", 1],
    ["MAX_TOTAL_TEXT_CHARS", "999999999", "maxTotalTextChars", 8_000_000],
    ["MAX_IMAGE_BYTES", "999999999", "maxImageBytes", 20_000_000],
    ["MAX_CONCURRENT_REQUESTS", "0", "maxConcurrentRequests", 1],
    ["MAX_CONCURRENT_REQUESTS", "500", "maxConcurrentRequests", 64],
    ["MAX_QUEUE_LENGTH", "-1", "maxQueueLength", 0],
    ["MAX_QUEUE_LENGTH", "5000", "maxQueueLength", 1000],
    ["QUEUE_WAIT_SECONDS", "-3", "queueWaitMs", 0],
    ["QUEUE_WAIT_SECONDS", "0", "queueWaitMs", 0],
    ["QUEUE_WAIT_SECONDS", "9999", "queueWaitMs", 120_000],
    ["SSE_KEEPALIVE_SECONDS", "0", "keepAliveMs", 1_000],
    ["SSE_KEEPALIVE_SECONDS", "600", "keepAliveMs", 60_000],
    ["HEALTH_CHECK_INTERVAL_SECONDS", "1", "healthCheckIntervalMs", 5_000],
    ["HEALTH_CHECK_INTERVAL_SECONDS", "99999", "healthCheckIntervalMs", 3_600_000],
    ["SHUTDOWN_GRACE_SECONDS", "-1", "shutdownGraceMs", 0],
    ["SHUTDOWN_GRACE_SECONDS", "9999", "shutdownGraceMs", 300_000],
    ["PORT", "70000", "port", 65535],
    ["PORT", "0", "port", 0],
    ["HTTP_HEADERS_TIMEOUT_SECONDS", "0", "httpHeadersTimeoutMs", 1_000],
    ["HTTP_HEADERS_TIMEOUT_SECONDS", "20", "httpHeadersTimeoutMs", 20_000],
    ["HTTP_BODY_TIMEOUT_SECONDS", "0", "httpBodyTimeoutMs", 1_000],
    ["HTTP_BODY_TIMEOUT_SECONDS", "9999", "httpBodyTimeoutMs", 900_000],
    ["HTTP_IDLE_TIMEOUT_SECONDS", "0", "httpIdleTimeoutMs", 1_000],
    ["HTTP_IDLE_TIMEOUT_SECONDS", "9999", "httpIdleTimeoutMs", 600_000],
    ["HTTP_MAX_CONNECTIONS", "1", "httpMaxConnections", 16],
    ["HTTP_MAX_CONNECTIONS", "999999", "httpMaxConnections", 65_536],
  ];
  for (const [name, value, field, expected] of cases) {
    test(`${name}=${JSON.stringify(value)} -> ${field} ${expected}`, () => {
      assert.equal(load({ [name]: value })[field], expected);
    });
  }
});

describe("config errors", () => {
  test("non-numeric and unknown enum values are all reported in one ConfigError", () => {
    const err = configError({ MAX_MESSAGES: "lots", PORT: "80a", LOG_LEVEL: "loud", CODEX_BACKEND: "cloud" });
    const text = err.problems.join("\n");
    for (const name of ["MAX_MESSAGES", "PORT", "LOG_LEVEL", "CODEX_BACKEND"]) assert.match(text, new RegExp(name));
    assert.equal(err.problems.length, 4);
    assert.match(err.message, /MAX_MESSAGES/);
    assert.match(err.message, /LOG_LEVEL/);
  });

  test("MODEL_ALIASES: exact ids and prefixes with optional efforts; a malformed entry is reported by name", () => {
    assert.deepEqual(load({ MODEL_ALIASES: " claude-haiku*=gpt-5.5-mini:low , claude-opus-4-1=gpt-5.5" }).modelAliases, [
      { match: "claude-haiku", prefix: true, model: "gpt-5.5-mini", effort: "low" },
      { match: "claude-opus-4-1", prefix: false, model: "gpt-5.5", effort: undefined },
    ]);
    const err = configError({ MODEL_ALIASES: "claude-haiku*=gpt-5.5-mini:low,just-a-name" });
    assert.match(err.message, /MODEL_ALIASES.*'just-a-name'/);
  });

  test("an empty variable of any kind counts as unset", () => {
    const c = load({ HOST: "", CODEX_UPSTREAM_MODEL: "  ", DATA_DIR: "", PORT: "", LOG_LEVEL: "", CODEX_BACKEND: " " });
    assert.equal(c.host, "127.0.0.1");
    assert.equal(c.upstreamModel, undefined);
    assert.equal(c.dataDir, "/srv/checkout/data");
    assert.equal(c.port, 8320);
    assert.equal(c.logLevel, "info");
    assert.equal(c.backend, "app-server");
  });

  test("a fractional number is refused rather than truncated", () => {
    assert.match(configError({ MAX_MESSAGES: "2.5" }).problems.join(), /MAX_MESSAGES/);
  });

  test("OPENAI_API_KEY set is refused", () => {
    const err = configError({ PROXY_API_KEY: KEY, OPENAI_API_KEY: "sk-something" });
    assert.equal(err.problems.length, 1);
    assert.match(err.problems[0] ?? "", /OPENAI_API_KEY/);
  });

  test("a blank OPENAI_API_KEY is treated as unset", () => {
    assert.doesNotThrow(() => load({ OPENAI_API_KEY: "   " }));
  });

  test("OPENAI_API_KEY and a weak PROXY_API_KEY are reported together", () => {
    const err = configError({ PROXY_API_KEY: "short", OPENAI_API_KEY: "sk-x" });
    assert.equal(err.problems.length, 2);
    assert.ok(err.problems.some((p) => p.includes("OPENAI_API_KEY")));
    assert.ok(err.problems.some((p) => p.includes("PROXY_API_KEY")));
  });

  const weak: [string, RegExp][] = [
    ["short-key", /shorter than 32/],
    ["change-me-change-me-change-me-change-me", /placeholder/],
    ["your-api-key-goes-here-0123456789abcdef", /placeholder/],
    ["XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", /placeholder/],
    ["abababababababababababababababababab", /distinct/],
  ];
  for (const [key, why] of weak) {
    test(`weak PROXY_API_KEY ${JSON.stringify(key.slice(0, 12))}... is refused`, () => {
      const err = configError({ PROXY_API_KEY: key });
      assert.match(err.problems.join("\n"), /PROXY_API_KEY/);
      assert.match(err.problems.join("\n"), why);
      assert.ok(!err.message.includes(key), "the key itself must not be echoed");
    });
  }

  test("a strong key passes describeWeakKey", () => {
    assert.equal(describeWeakKey(KEY), undefined);
    assert.equal(load().proxyApiKey, KEY);
  });
});

describe("CORS list", () => {
  test("comma-separated origins are trimmed and blanks dropped", () => {
    const c = load({ CORS_ALLOWED_ORIGINS: " app://obsidian.md , http://localhost:3000,, " });
    assert.deepEqual(c.corsAllowedOrigins, ["app://obsidian.md", "http://localhost:3000"]);
  });

  test("a blank list means no CORS", () => {
    assert.deepEqual(load({ CORS_ALLOWED_ORIGINS: "  " }).corsAllowedOrigins, []);
  });
});

describe("config flags", () => {
  test("DASHBOARD_ENABLED and METRICS_PUBLIC take true/false words and default to on / off", () => {
    assert.equal(load({}).dashboardEnabled, true);
    assert.equal(load({}).metricsPublic, false);
    assert.equal(load({ DASHBOARD_ENABLED: "false" }).dashboardEnabled, false);
    assert.equal(load({ DASHBOARD_ENABLED: "0" }).dashboardEnabled, false);
    assert.equal(load({ METRICS_PUBLIC: " Yes " }).metricsPublic, true);
    assert.equal(load({ METRICS_PUBLIC: "" }).metricsPublic, false);
    assert.throws(() => load({ METRICS_PUBLIC: "sometimes" }), /METRICS_PUBLIC: expected true or false/);
  });
});

describe("ChatGPT backend settings", () => {
  test("CHATGPT_BASE_URL is unset by default, ends in / when given, and must be an http(s) URL", () => {
    assert.equal(load({}).chatgptBaseUrl, undefined);
    assert.equal(load({ CHATGPT_BASE_URL: " https://gateway.example/backend-api " }).chatgptBaseUrl, "https://gateway.example/backend-api/");
    assert.equal(load({ CHATGPT_BASE_URL: "http://127.0.0.1:9/backend-api/" }).chatgptBaseUrl, "http://127.0.0.1:9/backend-api/");
    assert.throws(() => load({ CHATGPT_BASE_URL: "ftp://x/" }), /CHATGPT_BASE_URL: expected an http:\/\/ or https:\/\/ URL/);
    assert.throws(() => load({ CHATGPT_BASE_URL: "chatgpt.com" }), /CHATGPT_BASE_URL/);
  });

  test("CHATGPT_RELAY is on unless switched off", () => {
    assert.equal(load({}).chatgptRelay, true);
    assert.equal(load({ CHATGPT_RELAY: "off" }).chatgptRelay, false);
  });
});

describe("models", () => {
  test("CODEX_TOOL_MODE is direct unless switched back to Codex's own; REASONING_SUMMARY is auto unless set", () => {
    assert.equal(load({}).codexToolMode, "direct");
    assert.equal(load({ CODEX_TOOL_MODE: "codex" }).codexToolMode, "codex");
    assert.equal(load({}).reasoningSummary, "auto");
    assert.equal(load({ REASONING_SUMMARY: "none" }).reasoningSummary, "none");
    assert.equal(load({ REASONING_SUMMARY: "detailed" }).reasoningSummary, "detailed");
    assert.throws(() => load({ CODEX_TOOL_MODE: "code", REASONING_SUMMARY: "off" }), /CODEX_TOOL_MODE[\s\S]*REASONING_SUMMARY/);
  });

  test("WEB_SEARCH is live unless set to cached or off", () => {
    assert.equal(load({}).webSearch, "live");
    assert.equal(load({ WEB_SEARCH: "cached" }).webSearch, "cached");
    assert.equal(load({ WEB_SEARCH: "off" }).webSearch, "off");
    assert.throws(() => load({ WEB_SEARCH: "on" }), /WEB_SEARCH/);
  });
});

describe("the HTTP server's read timeouts and connection cap", () => {
  test("default to 10 s for a head, 30 s for a whole request, 5 s idle, 256 connections", () => {
    const c = load();
    assert.deepEqual([c.httpHeadersTimeoutMs, c.httpBodyTimeoutMs, c.httpIdleTimeoutMs, c.httpMaxConnections], [10_000, 30_000, 5_000, 256]);
  });

  test("the head's time is at most the whole request's (which includes it)", () => {
    assert.equal(load({ HTTP_HEADERS_TIMEOUT_SECONDS: "60", HTTP_BODY_TIMEOUT_SECONDS: "20" }).httpHeadersTimeoutMs, 20_000);
    assert.equal(load({ HTTP_HEADERS_TIMEOUT_SECONDS: "400" }).httpHeadersTimeoutMs, 30_000);
    assert.equal(load({ HTTP_BODY_TIMEOUT_SECONDS: "5" }).httpHeadersTimeoutMs, 5_000);
  });
});

describe("spare threads", () => {
  test("SPARE_THREADS defaults to two waves of MAX_CONCURRENT_REQUESTS, at most 16, and is clamped to 0-64", () => {
    assert.equal(load({}).spareThreads, 16);
    assert.equal(load({ MAX_CONCURRENT_REQUESTS: "3" }).spareThreads, 6);
    assert.equal(load({ MAX_CONCURRENT_REQUESTS: "64" }).spareThreads, 16);
    assert.equal(load({ SPARE_THREADS: "0" }).spareThreads, 0);
    assert.equal(load({ SPARE_THREADS: "500" }).spareThreads, 64);
    assert.throws(() => load({ SPARE_THREADS: "many" }), /SPARE_THREADS: expected a whole number/);
  });
});
