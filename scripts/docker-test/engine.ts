import { spawn } from "node:child_process";
import { openSync } from "node:fs";
import type { Cleanup } from "./cleanup.ts";
import { run } from "./docker-cli.ts";

/** No engine can be had on this machine: the test is skipped (`.ci/run` reads the exit code), not failed. */
export class EngineUnavailable extends Error {}

const LOG_FILE = "/tmp/ccp-docker-test-dockerd.log";
const START_WAIT_MS = 30_000;

const engineAnswers = async () => (await run("docker", ["version", "--format", "{{.Server.Version}}"])).code === 0;

/**
 * Uses the running Docker engine, or starts `dockerd` and registers its stop. The daemon gets no
 * bridge and no iptables rules: every container of the test runs on the host network.
 */
export async function ensureEngine(cleanup: Cleanup): Promise<string> {
  if (await engineAnswers()) return "an engine was already running";
  if ((await run("sh", ["-c", "command -v dockerd"])).code !== 0) throw new EngineUnavailable("no Docker engine is running and dockerd is not installed");
  const log = openSync(LOG_FILE, "a");
  const daemon = spawn("dockerd", ["--bridge=none", "--iptables=false"], { stdio: ["ignore", log, log] });
  daemon.once("error", () => undefined); // a failed spawn shows as no answer before the deadline
  const exited = new Promise<number | null>((resolve) => daemon.once("exit", (code) => resolve(code)));
  cleanup.add("stopping dockerd", async () => {
    if (daemon.exitCode !== null) return;
    daemon.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  });
  const deadline = Date.now() + START_WAIT_MS;
  while (Date.now() < deadline) {
    if (daemon.exitCode !== null) throw new EngineUnavailable(`dockerd exited with code ${daemon.exitCode} (see ${LOG_FILE})`);
    if (await engineAnswers()) return `started dockerd (pid ${daemon.pid ?? "?"}; stopped at the end)`;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new EngineUnavailable(`dockerd did not answer within ${START_WAIT_MS / 1000} s (see ${LOG_FILE})`);
}
