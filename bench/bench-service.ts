/**
 * Starts one real adapter in a forked worker (bench/service-worker.ts) with the real Codex
 * binary, a CODEX_HOME pointed at the stand-in upstream, and Codex's other traffic sent to
 * the egress guard. Shared by `npm run bench` and `npm run soak`.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { describeWeakKey } from "../src/config.ts";
import { codexTestEnv, type EgressGuard } from "../test/helpers/egress-guard.ts";
import { fakeChatGptAuthJson } from "../test/helpers/fake-chatgpt-auth.ts";
import { standInCodexConfig, type StandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import { waitHealthy, type Target } from "./client.ts";
import { WorkerHandle } from "./worker-handle.ts";

export type BackendName = "app-server" | "exec";

export interface BenchServiceOptions {
  readonly backend: BackendName;
  /** Put a fabricated ChatGPT login into CODEX_HOME. */
  readonly login: boolean;
  /** Start the worker with --expose-gc so a reading can follow a full collection. */
  readonly exposeGc?: boolean;
  /**
   * The path users run instead of the stand-in upstream: no config.toml (Codex's built-in provider
   * and default URLs, which the egress guard tunnels to the stand-in ChatGPT backend), trusting its CA.
   */
  readonly chatgptCaFile?: string;
  /** Extra adapter environment (e.g. CHATGPT_RELAY=false). */
  readonly env?: Readonly<Record<string, string>>;
}

export interface BenchService {
  readonly worker: WorkerHandle;
  readonly target: Target;
  readonly codexPid: number | undefined;
  /** Stops the worker (and Codex) and removes the data directory. */
  close(): Promise<void>;
}

/** Workers of runs in progress, so a watchdog can kill them. */
const workers = new Set<WorkerHandle>();

export function killWorkers(): void {
  for (const w of workers) w.kill();
}

function strongKey(): string {
  for (;;) {
    const key = randomBytes(32).toString("base64url");
    if (!describeWeakKey(key)) return key;
  }
}

/**
 * Forks the worker and starts the service; resolves once GET /healthz answers 200.
 * `onFork` sees the worker before the service starts (e.g. to sample its children).
 */
export async function startBenchService(
  upstream: StandInUpstream | undefined,
  guard: EgressGuard,
  options: BenchServiceOptions,
  onFork?: (worker: WorkerHandle) => void,
): Promise<BenchService> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `ccp-bench-${options.backend}-`));
  const codexHome = path.join(dataDir, "codex-home");
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  if (upstream) writeFileSync(path.join(codexHome, "config.toml"), standInCodexConfig(upstream.baseUrl));
  // Both backends get the same fabricated ChatGPT login: the adapter only runs signed in, and the
  // exec backend's readiness (`codex login status`) wants one even for a provider that needs none.
  if (options.login) writeFileSync(path.join(codexHome, "auth.json"), fakeChatGptAuthJson(), { mode: 0o600 });

  const apiKey = strongKey();
  const env = { DATA_DIR: dataDir, PORT: "0", PROXY_API_KEY: apiKey, LOG_LEVEL: "silent", CODEX_BACKEND: options.backend, ...options.env };
  const childEnv = { ...codexTestEnv(dataDir, guard), ...(options.chatgptCaFile ? { SSL_CERT_FILE: options.chatgptCaFile } : {}) };
  const worker = new WorkerHandle({ exposeGc: options.exposeGc ?? false });
  workers.add(worker);
  const close = async () => {
    await worker.stop();
    workers.delete(worker);
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    onFork?.(worker);
    const ready = await worker.request({ type: "start", env, childEnv }, "ready", 60_000);
    if (!(await waitHealthy(ready.url, 60_000))) throw new Error("GET /healthz did not answer 200 within 60 s");
    // Codex is spawned after its model catalog is derived: its pid is known once healthy, not at "ready".
    const { codexPid } = await worker.request({ type: "stats", gc: false }, "stats", 10_000);
    return { worker, target: { url: ready.url, apiKey }, codexPid: codexPid ?? undefined, close };
  } catch (err) {
    await close();
    throw err;
  }
}
