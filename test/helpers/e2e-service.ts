import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/core/logger.ts";
import { startService, type Service, type ServiceHooks } from "../../src/service.ts";
import { codexTestEnv, startEgressGuard, type EgressGuard } from "./egress-guard.ts";
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
  /** How long Codex may leave a local call unanswered before its child counts as hung (fault tests shorten it). */
  readonly codexRpcTimeoutMs?: ServiceHooks["codexRpcTimeoutMs"];
}

/** The real service, real pinned Codex binary and a stand-in upstream, all on 127.0.0.1. */
export async function startE2E(options: E2EOptions = {}): Promise<E2E> {
  let upstream: StandInUpstream | undefined;
  const core = await startServiceE2E(async () => {
    const started = await startStandInUpstream();
    upstream = started;
    return {
      ...(options.env ? { env: options.env } : {}),
      ...(options.codexRpcTimeoutMs ? { codexRpcTimeoutMs: options.codexRpcTimeoutMs } : {}),
      codexHomeFiles: {
        ...(options.codexConfig !== false ? { "config.toml": standInCodexConfig(started.baseUrl, options.providerSettings) } : {}),
        ...options.codexHomeFiles,
      },
      cleanup: () => started.close(),
    };
  });
  if (!upstream) throw new Error("the stand-in upstream did not start");
  return { ...core, upstream };
}

/** How startServiceE2E sets up one run: CODEX_HOME's files, the children's environment, what to stop afterwards. */
export interface ServiceE2ESetup {
  readonly env?: Readonly<Record<string, string>>;
  /** Files placed in CODEX_HOME before start (config.toml, auth.json). */
  readonly codexHomeFiles: Readonly<Record<string, string>>;
  /** Added to the parent environment the Codex child's environment is picked from (e.g. SSL_CERT_FILE). */
  readonly parentEnv?: Readonly<Record<string, string>>;
  /** Test-only variables for the Codex child (ServiceHooks.childEnv). */
  readonly childEnv?: Readonly<Record<string, string>>;
  readonly codexRpcTimeoutMs?: ServiceHooks["codexRpcTimeoutMs"];
  /** Stops what the caller started (its stand-in), after the service. */
  readonly cleanup: () => Promise<void>;
}

export type ServiceE2E = Omit<E2E, "upstream"> & { readonly codexHome: string };

/**
 * The real service and pinned binary on 127.0.0.1, with the egress guard and the protocol
 * contract, whatever stands in upstream: `prepare` starts the stand-in and says how to set up.
 */
export async function startServiceE2E(prepare: () => Promise<ServiceE2ESetup>): Promise<ServiceE2E> {
  const contract = await createWireContract(); // first: a schema that cannot be generated leaves nothing running
  const setup = await prepare();
  const egress = await startEgressGuard();
  const dataDir = mkdtempSync(path.join(tmpdir(), "ccp-e2e-"));
  const codexHome = path.join(dataDir, "codex-home");
  const env = {
    DATA_DIR: dataDir,
    PORT: "0",
    PROXY_API_KEY: TEST_API_KEY,
    LOG_LEVEL: "debug",
    ...setup.env,
  };
  const config = loadConfig(env);
  const logs: string[] = [];
  // bootstrap creates CODEX_HOME; write the operator's config first so Codex sees it at spawn
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  for (const [name, content] of Object.entries(setup.codexHomeFiles)) {
    writeFileSync(path.join(codexHome, name), content, { mode: 0o600 });
  }
  const service = await startService(config, { ...codexTestEnv(dataDir, egress), ...setup.parentEnv }, createLogger("debug", (l) => logs.push(l)), {
    wireTap: contract.observe,
    ...(setup.childEnv ? { childEnv: setup.childEnv } : {}),
    ...(setup.codexRpcTimeoutMs ? { codexRpcTimeoutMs: setup.codexRpcTimeoutMs } : {}),
  });
  return {
    service,
    egress,
    baseURL: `${service.url}/v1`,
    dataDir,
    codexHome,
    logs,
    contract,
    async close() {
      await service.stop(0);
      await setup.cleanup();
      await egress.close();
      rmSync(dataDir, { recursive: true, force: true });
      contract.assertClean();
    },
  };
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
export async function waitHealthy(e2e: Pick<E2E, "service">): Promise<void> {
  await waitFor(async () => (await fetch(`${e2e.service.url}/healthz`)).status === 200, 30_000, "healthz 200");
}

export function authHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${TEST_API_KEY}`, "Content-Type": "application/json", ...extra };
}
