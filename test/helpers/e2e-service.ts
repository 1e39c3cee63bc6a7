import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before } from "node:test";
import { loadConfig, type Config } from "../../src/config.ts";
import { createLogger } from "../../src/core/logger.ts";
import { startService, type Service, type ServiceHooks } from "../../src/service.ts";
import { codexTestEnv, startEgressGuard, type EgressGuard } from "./egress-guard.ts";
import { FAKE_ACCESS_TOKEN, FAKE_REFRESH_TOKEN, fakeChatGptAuthJson } from "./fake-chatgpt-auth.ts";
import { startStandInChatGptBackend, type StandInChatGptBackend, type StandInChatGptOptions } from "./stand-in-chatgpt-backend.ts";
import { createWireContract, type WireContract } from "./protocol-contract.ts";
import { standInCodexConfig, startStandInUpstream, type StandInUpstream } from "./stand-in-upstream.ts";

export const TEST_API_KEY = "e2e-test-key-Zq8wX2vN7mK4pR9tY3bL6cH1";

export interface E2E {
  readonly service: Service;
  readonly upstream: StandInUpstream;
  /** Where Codex's attempts to reach anything besides 127.0.0.1 end (refused and counted). */
  readonly egress: EgressGuard;
  /** Base URL for OpenAI clients, ending in /v1. */
  readonly baseURL: string;
  readonly dataDir: string;
  /** Every log line the adapter wrote, for checks that nothing sensitive is logged. */
  readonly logs: string[];
  /** Every JSON-RPC message to and from Codex, validated against the pinned protocol schema. */
  readonly contract: WireContract;
  /** Cleans up, then fails if any message broke the protocol schema. */
  close(): Promise<void>;
}

export interface E2EOptions {
  /** Extra adapter environment (limits, timeouts, backend). */
  readonly env?: Readonly<Record<string, string>>;
  /** Write the stand-in provider into config.toml (default); false leaves CODEX_HOME empty. */
  readonly codexConfig?: boolean;
  /** Extra `key = value` lines for the stand-in provider's table in config.toml (e.g. Codex's retry limits). */
  readonly providerSettings?: readonly string[];
  /** Files to place in CODEX_HOME before start (e.g. a fabricated auth.json). */
  readonly codexHomeFiles?: Readonly<Record<string, string>>;
  /** Time limits below the minimums operators may set (see TestLimits). */
  readonly limits?: TestLimits;
  /** How long Codex may leave a local call unanswered before its child counts as hung (fault tests shorten it). */
  readonly codexRpcTimeoutMs?: ServiceHooks["codexRpcTimeoutMs"];
  /** The path users run (see startChatGptE2E); set by it, not by callers. */
  readonly chatgpt?: StandInChatGptBackend;
}

/**
 * Time limits set on the parsed Config, below the minimums loadConfig clamps operators to
 * (config.test.ts checks the clamps), so a test of what happens at a limit need not wait seconds for it.
 */
export type TestLimits = Partial<Pick<Config, "requestTimeoutMs" | "healthCheckIntervalMs">>;

export function withTestLimits(config: Config, limits: TestLimits = {}): Config {
  return Object.freeze({ ...config, ...limits });
}

/** An E2E on the path users run, with the stand-in ChatGPT backend behind chatgpt.com. */
export interface ChatGptE2E extends E2E {
  readonly chatgpt: StandInChatGptBackend;
}

/**
 * The real service and binary on the path users run: Codex's built-in provider with its default
 * URLs and a fabricated ChatGPT login (CODEX_HOME holds auth.json only). The egress guard
 * tunnels chatgpt.com:443 (and auth.openai.com:443, for token refreshes) to the stand-in ChatGPT backend, whose certificate the throwaway CA
 * (SSL_CERT_FILE) vouches for; every other host is refused, and nothing leaves 127.0.0.1.
 */
export async function startChatGptE2E(options: Omit<E2EOptions, "chatgpt" | "codexConfig"> & { readonly backend?: StandInChatGptOptions } = {}): Promise<ChatGptE2E> {
  const chatgpt = await startStandInChatGptBackend({ publicOrigin: "https://chatgpt.com", ...options.backend });
  try {
    const e2e = await startE2E({ ...options, chatgpt, codexHomeFiles: { "auth.json": fakeChatGptAuthJson(), ...options.codexHomeFiles } });
    return {
      ...e2e,
      chatgpt,
      async close() {
        await e2e.close();
        await chatgpt.close();
      },
    };
  } catch (err) {
    await chatgpt.close();
    throw err;
  }
}

/** The real service, real pinned Codex binary and a stand-in upstream, all on 127.0.0.1. */
export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  const contract = await createWireContract(); // first: a schema that cannot be generated leaves nothing running
  const upstream = await startStandInUpstream();
  const egress = await startEgressGuard(options.chatgpt ? { tunnels: { "chatgpt.com:443": options.chatgpt.port, "auth.openai.com:443": options.chatgpt.port } } : {});
  const dataDir = mkdtempSync(path.join(tmpdir(), "ccp-e2e-"));
  const codexHome = path.join(dataDir, "codex-home");
  const env = {
    DATA_DIR: dataDir,
    PORT: "0",
    PROXY_API_KEY: TEST_API_KEY,
    LOG_LEVEL: "debug",
    ...options.env,
  };
  const config = withTestLimits(loadConfig(env), options.limits);
  const logs: string[] = [];
  // bootstrap creates CODEX_HOME; write the operator's config first so Codex sees it at spawn
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  if (options.codexConfig !== false && !options.chatgpt) writeFileSync(path.join(codexHome, "config.toml"), standInCodexConfig(upstream.baseUrl, options.providerSettings));
  for (const [name, content] of Object.entries(options.codexHomeFiles ?? {})) {
    writeFileSync(path.join(codexHome, name), content, { mode: 0o600 });
  }
  const childEnv = { ...codexTestEnv(dataDir, egress), ...(options.chatgpt ? { SSL_CERT_FILE: options.chatgpt.caFile } : {}) };
  const service = await startService(config, childEnv, createLogger("debug", (l) => logs.push(l)), {
    wireTap: contract.observe,
    ...(options.codexRpcTimeoutMs ? { codexRpcTimeoutMs: options.codexRpcTimeoutMs } : {}),
  });
  return {
    service,
    upstream,
    egress,
    baseURL: `${service.url}/v1`,
    dataDir,
    logs,
    contract,
    async close() {
      await service.stop(0);
      await upstream.close();
      await egress.close();
      rmSync(dataDir, { recursive: true, force: true });
      contract.assertClean();
      assertNoSecretsLogged(logs);
    },
  };
}

/** Strings no log line of any end-to-end service may hold: the bearer key and the fabricated login's tokens. */
const SECRETS = [TEST_API_KEY, FAKE_ACCESS_TOKEN, FAKE_REFRESH_TOKEN];

function assertNoSecretsLogged(logs: readonly string[]): void {
  const leaks = logs.filter((line) => SECRETS.some((secret) => line.includes(secret)));
  if (leaks.length) throw new Error(`${leaks.length} log lines hold a key or token, e.g. ${leaks[0]?.slice(0, 200) ?? ""}`);
}

/** Polls until `check` is true or the time runs out (for states that settle asynchronously). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Waits until /healthz answers 200 (the child is up and the login checked). */
export async function waitHealthy(e2e: E2E): Promise<void> {
  await waitFor(async () => (await fetch(`${e2e.service.url}/healthz`)).status === 200, 30_000, "healthz 200");
}

/** The answer a client gets once Codex's login is refused for good: 503 codex_login_required, "... sign in again". */
export async function assertSignInAgain(res: Response): Promise<void> {
  if (res.status !== 503) throw new Error(`expected 503 codex_login_required, got ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { error: { code: string | null; message: string } };
  if (body.error.code !== "codex_login_required" || !/sign in again/.test(body.error.message)) {
    throw new Error(`expected codex_login_required asking to sign in again, got ${JSON.stringify(body.error)}`);
  }
}

/** A test file's service on the path users run, with the real SDKs pointed at it (Anthropic's adds /v1 itself, as Claude Code does). */
export interface ChatGptSuite {
  readonly e2e: ChatGptE2E;
  readonly openai: OpenAI;
  readonly anthropic: Anthropic;
}

/** Starts the file's ChatGPT-path service (healthy) before its tests and closes it after; the fields are set once `before` ran. */
export function chatGptSuite(): ChatGptSuite {
  const suite = {} as { e2e: ChatGptE2E; openai: OpenAI; anthropic: Anthropic };
  before(async () => {
    suite.e2e = await startChatGptE2E();
    await waitHealthy(suite.e2e);
    suite.openai = new OpenAI({ baseURL: suite.e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
    suite.anthropic = new Anthropic({ baseURL: suite.e2e.service.url, apiKey: TEST_API_KEY, maxRetries: 0 });
  });
  after(() => suite.e2e.close());
  return suite;
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${TEST_API_KEY}`, "Content-Type": "application/json", ...extra };
}
