import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { startEgressGuard, type EgressGuard } from "../../test/helpers/egress-guard.ts";
import { fakeChatGptAuthJson } from "../../test/helpers/fake-chatgpt-auth.ts";
import { standInCodexConfig, startStandInUpstream, type StandInUpstream } from "../../test/helpers/stand-in-upstream.ts";
import type { Cleanup } from "./cleanup.ts";

/** What lives on the host for one run: the compose file's `data/` tree, the stand-in upstream, the egress guard. */
export interface HostFixture {
  /** Stands in for the compose file's `./data`. */
  readonly dataDir: string;
  readonly codexHome: string;
  readonly codexWork: string;
  readonly keyFile: string;
  readonly apiKey: string;
  readonly upstream: StandInUpstream;
  readonly egress: EgressGuard;
  /** A free port on 127.0.0.1 for the adapter. */
  readonly port: number;
  /** Signs in as the login command would from outside: a fabricated ChatGPT login appears in the mounted CODEX_HOME. */
  signIn(): void;
  /** The operator's config.toml sending Codex's model calls to the stand-in (read when Codex starts). */
  useStandIn(): void;
}

/** Lays out `data/` as docs/docker.md's Quick start does (0700 directories, a 0600 key), owned by the container's uid. */
export async function startHostFixture(owner: { uid: number; gid: number }, cleanup: Cleanup): Promise<HostFixture> {
  const dataDir = mkdtempSync("/tmp/ccp-docker-test-data-");
  cleanup.add("removing the data directory", () => Promise.resolve(rmSync(dataDir, { recursive: true, force: true })));
  const upstream = await startStandInUpstream();
  cleanup.add("stopping the stand-in upstream", () => upstream.close());
  const egress = await startEgressGuard();
  cleanup.add("stopping the egress guard", () => egress.close());

  const codexHome = path.join(dataDir, "codex-home");
  const codexWork = path.join(dataDir, "codex-work");
  const keyFile = path.join(dataDir, "secrets", "proxy_api_key");
  const apiKey = randomBytes(32).toString("base64url");
  for (const dir of [codexHome, codexWork, path.dirname(keyFile)]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, apiKey, { mode: 0o600 });
  const owned = (file: string, content: string) => {
    writeFileSync(file, content, { mode: 0o600 });
    chownSync(file, owner.uid, owner.gid);
  };
  for (const p of [dataDir, codexHome, codexWork, path.dirname(keyFile), keyFile]) chownSync(p, owner.uid, owner.gid);

  return {
    dataDir,
    codexHome,
    codexWork,
    keyFile,
    apiKey,
    upstream,
    egress,
    port: await freePort(),
    signIn: () => owned(path.join(codexHome, "auth.json"), fakeChatGptAuthJson()),
    useStandIn: () => owned(path.join(codexHome, "config.toml"), standInCodexConfig(upstream.baseUrl)),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
