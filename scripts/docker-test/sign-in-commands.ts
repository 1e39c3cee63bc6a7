import { existsSync } from "node:fs";
import path from "node:path";
import type { ComposeRunService } from "./compose-service.ts";
import { waitFor } from "./container.ts";
import { run, type CommandResult } from "./docker-cli.ts";
import type { HostFixture } from "./host-fixture.ts";
import { oneOffFlags } from "./run-flags.ts";

/**
 * The sign-in commands docs/docker.md names, `docker compose run --rm SERVICE login|status|logout`,
 * each in a one-off container of the service (oneOffFlags) on the test's data directory. Each check
 * returns a detail or throws why it failed.
 */
export interface SignInCommands {
  readonly service: ComposeRunService;
  readonly image: string;
  readonly fixture: HostFixture;
  /** The proxy settings that send Codex's outbound calls to the refusing egress guard. */
  readonly egressEnv: Readonly<Record<string, string>>;
}

const LOGIN_WAIT_MS = 60_000;

function oneOff(c: SignInCommands, command: string): Promise<CommandResult> {
  const plan = { image: c.image, dataDir: c.fixture.dataDir, port: c.fixture.port, extraEnv: c.egressEnv };
  return run("docker", ["run", ...oneOffFlags(c.service, plan, [command])]);
}

/** A poll for waitFor that answers once `pending` has settled. */
function once<T>(pending: Promise<T>): () => Promise<T | undefined> {
  let settled: { value: T } | undefined;
  void pending.then((value) => (settled = { value }));
  return () => Promise.resolve(settled?.value);
}

const said = (r: CommandResult) => `${r.stdout}${r.stderr}`.trim().replace(/\s+/g, " ");

/** `status` with the login in place: exit 0 and "Logged in using ChatGPT". */
export async function statusSignedIn(c: SignInCommands): Promise<string> {
  const r = await oneOff(c, "status");
  if (r.code !== 0 || !r.stdout.includes("Logged in using ChatGPT")) throw new Error(`exit ${r.code}: ${said(r)}`);
  return `exit 0: ${JSON.stringify(r.stdout.trim().split("\n").at(-1))}`;
}

/** `logout` removes the login from the mounted CODEX_HOME; `status` then exits 1 and names the login command. */
export async function logoutThenStatus(c: SignInCommands, loginCommand: string): Promise<string> {
  const out = await oneOff(c, "logout");
  if (out.code !== 0) throw new Error(`logout: exit ${out.code}: ${said(out)}`);
  if (existsSync(path.join(c.fixture.codexHome, "auth.json"))) throw new Error("logout exited 0 but auth.json is still in CODEX_HOME");
  const status = await oneOff(c, "status");
  if (status.code !== 1 || !status.stdout.includes(`Not logged in: run \`${loginCommand}\``)) throw new Error(`status after logout: exit ${status.code}: ${said(status)}`);
  return `logout exit 0, auth.json gone; status then exit 1: ${JSON.stringify(status.stdout.trim().split("\n").at(-1))}`;
}

/**
 * `login` starts Codex's device-code sign-in: its first request, for a user code at auth.openai.com,
 * reaches the egress guard (refused there, so the command ends with Codex's error). Nothing beyond
 * that request runs offline; the rest of the sign-in is Codex's own code, as in a local install.
 */
export async function loginStartsDeviceCode(c: SignInCommands): Promise<string> {
  const before = c.fixture.egress.attempts.get("auth.openai.com:443") ?? 0;
  const started = Date.now();
  const r = await waitFor("login to end", LOGIN_WAIT_MS, once(oneOff(c, "login")));
  const asked = (c.fixture.egress.attempts.get("auth.openai.com:443") ?? 0) - before;
  if (asked < 1) throw new Error(`login never asked auth.openai.com (exit ${r.code}: ${said(r)})`);
  if (r.code === 0 || !said(r).includes("deviceauth/usercode")) throw new Error(`expected Codex's error for the refused user-code request, got exit ${r.code}: ${said(r)}`);
  return `Codex asked auth.openai.com for a device code (${asked} CONNECT refused by the egress guard) and ended with exit ${r.code} after ${((Date.now() - started) / 1000).toFixed(1)} s`;
}
