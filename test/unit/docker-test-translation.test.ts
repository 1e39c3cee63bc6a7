import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { parseComposeService } from "../../scripts/docker-test/compose-service.ts";
import { runFlags } from "../../scripts/docker-test/run-flags.ts";

// npm run test:docker runs docker-compose.yml's service through these; here without an engine.
const FILE = "docker-compose.yml";
const text = readFileSync(new URL(`../../${FILE}`, import.meta.url), "utf8");
const plan = { image: "img:test", name: "c", dataDir: "/tmp/d", port: 41234, extraEnv: { HOST: "127.0.0.1" } };

/** The shipped file with one change to its only service. */
function changed(change: (service: Record<string, unknown>) => void): string {
  const compose = parse(text) as { services: Record<string, Record<string, unknown>> };
  const [service] = Object.values(compose.services);
  assert.ok(service);
  change(service);
  return stringify(compose);
}

test("docker-compose.yml's service becomes docker run flags on the host network, setting for setting", () => {
  const { name, service } = parseComposeService(text, FILE);
  assert.equal(name, "codex-cli-provider");
  const flags = runFlags(service, plan).join(" ");
  for (const expected of [
    "--network host",
    "--user 1000:1000",
    "--init",
    "--read-only",
    "--tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m",
    "--cap-drop ALL",
    "--security-opt no-new-privileges:true",
    "--memory 1073741824",
    "--cpus 1",
    "--pids-limit 256",
    "--stop-timeout 15",
    "--mount type=bind,source=/tmp/d/codex-home,target=/data/codex-home ",
    "--mount type=bind,source=/tmp/d/secrets/proxy_api_key,target=/data/secrets/proxy_api_key,readonly",
    "--env HOST=127.0.0.1",
  ]) {
    assert.ok(flags.includes(expected), `missing ${expected}`);
  }
  assert.match(flags, /--health-cmd .*127\.0\.0\.1:41234\/healthz/, "the health check asks the test's port");
  assert.ok(!flags.includes("8320"), "nothing is left on the file's port");
  assert.ok(!/--publish|-p /.test(flags));
});

test("a compose key the Docker test does not translate stops it, naming the key", () => {
  assert.throws(() => parseComposeService(changed((s) => (s.shm_size = "64m")), FILE), /shm_size/);
  assert.throws(() => parseComposeService(changed((s) => (s.ports = ["8320:8320"])), FILE), /ports/);
  assert.throws(() => parseComposeService(changed((s) => delete s.healthcheck), FILE), /healthcheck/);
});
