import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { COMPOSE_RULES, type ComposeRule } from "../../scripts/compose-findings.ts";
import { checkComposeText } from "../../scripts/compose-rules.ts";

const ROOT = new URL("../../", import.meta.url);
const FIXTURES = "test/fixtures/compose";
const SHIPPED = ["docker-compose.yml", "docker-compose.image.yml"];
const read = (file: string) => readFileSync(new URL(file, ROOT), "utf8");
const rulesIn = (text: string) => checkComposeText(text, "test.yml").map((v) => v.rule);

type Service = Record<string, unknown>;
type Compose = Record<string, unknown> & { services: Record<string, Service> };

/** The hardened fixture with one change applied to its service (or to the whole file). */
function hardenedWith(change: (service: Service, compose: Compose) => void): string {
  const compose = parse(read(`${FIXTURES}/hardened.yml`)) as Compose;
  const service = compose.services.adapter;
  assert.ok(service);
  change(service, compose);
  return stringify(compose);
}

const addMount = (entry: unknown) => (s: Service) => {
  s.volumes = [...(s.volumes as unknown[]), entry];
};

/** Each case breaks exactly one rule; together they cover every rule (checked below). */
const CASES: ReadonlyArray<{ name: string; rule: ComposeRule; text: string }> = [
  { name: "invalid YAML", rule: "compose-shape", text: "services: [unclosed" },
  { name: "privileged spelled as a string", rule: "compose-shape", text: hardenedWith((s) => (s.privileged = "true")) },
  { name: "top-level include", rule: "unchecked-include", text: hardenedWith((_s, c) => (c.include = ["other.yml"])) },
  { name: "service extends", rule: "unchecked-include", text: hardenedWith((s) => (s.extends = { file: "base.yml", service: "x" })) },
  { name: "port on every interface", rule: "publish-address", text: hardenedWith((s) => (s.ports = ["8320:8320"])) },
  { name: "host network", rule: "host-namespace", text: hardenedWith((s) => (s.network_mode = "host")) },
  { name: "host pid", rule: "host-namespace", text: hardenedWith((s) => (s.pid = "host")) },
  { name: "host ipc", rule: "host-namespace", text: hardenedWith((s) => (s.ipc = "host")) },
  { name: "privileged", rule: "privileged", text: hardenedWith((s) => (s.privileged = true)) },
  { name: "no cap_drop", rule: "cap-drop-all", text: hardenedWith((s) => delete s.cap_drop) },
  { name: "cap_drop without ALL", rule: "cap-drop-all", text: hardenedWith((s) => (s.cap_drop = ["NET_RAW"])) },
  { name: "cap_add NET_ADMIN", rule: "cap-add", text: hardenedWith((s) => (s.cap_add = ["NET_ADMIN"])) },
  { name: "cap_add CAP_SYS_ADMIN", rule: "cap-add", text: hardenedWith((s) => (s.cap_add = ["CAP_SYS_ADMIN"])) },
  { name: "read_only false", rule: "read-only-root", text: hardenedWith((s) => (s.read_only = false)) },
  { name: "read_only missing", rule: "read-only-root", text: hardenedWith((s) => delete s.read_only) },
  { name: "no security_opt", rule: "no-new-privileges", text: hardenedWith((s) => delete s.security_opt) },
  { name: "no-new-privileges:false", rule: "no-new-privileges", text: hardenedWith((s) => (s.security_opt = ["no-new-privileges:false"])) },
  {
    name: "seccomp unconfined",
    rule: "unconfined-profile",
    text: hardenedWith((s) => (s.security_opt = ["no-new-privileges:true", "seccomp:unconfined"])),
  },
  { name: "user missing", rule: "non-root-user", text: hardenedWith((s) => delete s.user) },
  { name: "user root", rule: "non-root-user", text: hardenedWith((s) => (s.user = "root")) },
  { name: "group 0", rule: "non-root-user", text: hardenedWith((s) => (s.user = "1000:0")) },
  { name: "user defaulting to 0", rule: "non-root-user", text: hardenedWith((s) => (s.user = "${PROXY_UID:-0}")) },
  { name: "user without a default", rule: "non-root-user", text: hardenedWith((s) => (s.user = "${PROXY_UID}")) },
  { name: "no pids limit", rule: "resource-limits", text: hardenedWith((s) => delete s.pids_limit) },
  { name: "memory limit 0", rule: "resource-limits", text: hardenedWith((s) => (s.mem_limit = 0)) },
  { name: "image latest", rule: "image-tag", text: hardenedWith((s) => (s.image = "ghcr.io/you/codex-cli-provider:latest")) },
  { name: "image untagged", rule: "image-tag", text: hardenedWith((s) => (s.image = "codex-cli-provider")) },
  { name: "image tag from a variable", rule: "image-tag", text: hardenedWith((s) => (s.image = "codex-cli-provider:${TAG}")) },
  { name: "OPENAI_API_KEY (mapping)", rule: "openai-api-key", text: hardenedWith((s) => (s.environment = { OPENAI_API_KEY: "" })) },
  { name: "OPENAI_API_KEY (list)", rule: "openai-api-key", text: hardenedWith((s) => (s.environment = ["LOG_LEVEL=info", "OPENAI_API_KEY"])) },
  { name: "env_file", rule: "env-file", text: hardenedWith((s) => (s.env_file = [".env"])) },
  { name: "docker.sock", rule: "docker-socket", text: hardenedWith(addMount("/var/run/docker.sock:/var/run/docker.sock")) },
  { name: "/run", rule: "docker-socket", text: hardenedWith(addMount({ type: "bind", source: "/run", target: "/host-run" })) },
  { name: "~/.codex", rule: "home-directory", text: hardenedWith(addMount("~/.codex:/data/codex-home")) },
  { name: "${HOME}", rule: "home-directory", text: hardenedWith(addMount("${HOME}:/host-home:ro")) },
  { name: "/home/me", rule: "home-directory", text: hardenedWith(addMount("/home/me/projects:/projects")) },
  { name: "source tree", rule: "mount-allowlist", text: hardenedWith(addMount("./src:/app/src")) },
  { name: "escape from data/", rule: "mount-allowlist", text: hardenedWith(addMount("./data/../.git:/repo-git")) },
  { name: "named volume", rule: "mount-allowlist", text: hardenedWith(addMount("cache:/cache")) },
  { name: "compose secret", rule: "mount-allowlist", text: hardenedWith((s) => (s.secrets = ["codex_auth"])) },
  { name: "host device", rule: "mount-allowlist", text: hardenedWith((s) => (s.devices = ["/dev/kvm:/dev/kvm"])) },
  {
    name: "writable key file",
    rule: "mount-allowlist",
    text: hardenedWith((s) => {
      s.volumes = (s.volumes as unknown[]).slice(0, 2).concat("./data/secrets/proxy_api_key:/data/secrets/proxy_api_key");
    }),
  },
];

describe("compose checker rules", () => {
  test("the hardened fixture passes", () => {
    assert.deepEqual(checkComposeText(read(`${FIXTURES}/hardened.yml`), "hardened.yml"), []);
  });

  for (const { name, rule, text } of CASES) {
    test(`${name}: only ${rule} fires`, () => {
      const rules = rulesIn(text);
      assert.ok(rules.length > 0, "no violation reported");
      assert.deepEqual(new Set(rules), new Set([rule]));
    });
  }

  test("every rule has a failing case", () => {
    assert.deepEqual(new Set(CASES.map((c) => c.rule)), new Set(COMPOSE_RULES));
  });

  test("each port spelling that leaves 127.0.0.1 is reported once", () => {
    const violations = checkComposeText(read(`${FIXTURES}/ports.yml`), "ports.yml");
    assert.deepEqual(violations.map((v) => v.rule), Array<ComposeRule>(7).fill("publish-address"));
    for (const port of ["8322:8322", "8323", "0.0.0.0:8324", "[::]:8325", "[::1]:8326", "8327", "192.168.1.10:8328"]) {
      assert.ok(violations.some((v) => v.message.includes(port)), `port ${port} not reported`);
    }
  });

  test("merge keys are resolved as Compose resolves them", () => {
    const violations = checkComposeText(read(`${FIXTURES}/merge-key.yml`), "merge-key.yml");
    assert.deepEqual(violations.map((v) => [v.service, v.rule]), [["escalated", "privileged"]]);
  });
});

describe("shipped compose files", () => {
  for (const file of SHIPPED) {
    test(`${file} passes`, () => {
      assert.deepEqual(checkComposeText(read(file), file), []);
    });
  }

  test("the script exits 0 on the shipped files and 1 with a line naming file, service and rule", () => {
    const run = (files: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "scripts/check-compose.ts", ...files], { cwd: ROOT, encoding: "utf8" });
    const ok = run(SHIPPED);
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);

    const bad = run([`${FIXTURES}/merge-key.yml`]);
    assert.equal(bad.status, 1);
    assert.match(bad.stdout, /^test\/fixtures\/compose\/merge-key\.yml: service escalated: \[privileged\] /m);
  });
});
