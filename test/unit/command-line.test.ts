import assert from "node:assert/strict";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { nameFlag, parseCommandLine, usage } from "../../src/command-line.ts";
import { detectInstallLayout, userDataDir } from "../../src/install-layout.ts";

describe("the command line", () => {
  test("no command serves; the operator commands and --help/--version are recognised", () => {
    assert.deepEqual(parseCommandLine([]), { action: "run", command: "serve", settings: {} });
    assert.deepEqual(parseCommandLine(["status"]), { action: "run", command: "status", settings: {} });
    assert.deepEqual(parseCommandLine(["login", "--help"]), { action: "help" });
    assert.deepEqual(parseCommandLine(["-v"]), { action: "version" });
  });

  test("setting flags become the environment variables the configuration reads", () => {
    const line = parseCommandLine(["serve", "--port", "9000", "--data-dir=/d", "--web-search", "off"]);
    assert.deepEqual(line, { action: "run", command: "serve", settings: { PORT: "9000", DATA_DIR: "/d", WEB_SEARCH: "off" } });
  });

  test("an unknown command, flag or extra argument is misuse, named", () => {
    assert.deepEqual(parseCommandLine(["start"]), { action: "misuse", problem: "unknown command 'start'" });
    assert.deepEqual(parseCommandLine(["serve", "now"]), { action: "misuse", problem: "unexpected argument 'now'" });
    const flag = parseCommandLine(["--prot", "1"]);
    assert.equal(flag.action, "misuse");
    assert.match(flag.action === "misuse" ? flag.problem : "", /--prot/);
    assert.equal(parseCommandLine(["--port"]).action, "misuse");
  });

  test("a configuration problem is named as the flag that set it, else as the variable", () => {
    assert.equal(nameFlag("PORT: expected a whole number", { PORT: "x" }), "--port: expected a whole number");
    assert.equal(nameFlag("PORT: expected a whole number", {}), "PORT: expected a whole number");
    assert.equal(nameFlag("OPENAI_API_KEY is set: ...", { PORT: "1" }), "OPENAI_API_KEY is set: ...");
  });

  test("--help lists every command and every setting flag", () => {
    const text = usage("9.9.9");
    for (const word of ["serve", "login", "status", "logout", "--host", "--port", "--data-dir", "--codex-home", "--api-key-file", "--log-level", "--tool-mode", "--web-search", "9.9.9"]) {
      assert.ok(text.includes(word), word);
    }
  });
});

describe("the install layout", () => {
  test("the per-user data directory: XDG's data home (absolute only) on Linux, Application Support on macOS", () => {
    assert.equal(userDataDir({}, "linux", "/home/u"), "/home/u/.local/share/codex-cli-provider");
    assert.equal(userDataDir({ XDG_DATA_HOME: "/x/share" }, "linux", "/home/u"), "/x/share/codex-cli-provider");
    assert.equal(userDataDir({ XDG_DATA_HOME: "relative" }, "linux", "/home/u"), "/home/u/.local/share/codex-cli-provider");
    assert.equal(userDataDir({}, "darwin", "/Users/u"), "/Users/u/Library/Application Support/codex-cli-provider");
  });

  test("a package root with the sources is a checkout keeping data/ in it; without them, an installed package", () => {
    const root = mkdtempSync(path.join(tmpdir(), "ccp-layout-"));
    writeFileSync(path.join(root, "package.json"), JSON.stringify({ version: "4.5.6" }));
    assert.deepEqual(detectInstallLayout({}, root, "linux", "/home/u"), { kind: "package", version: "4.5.6", defaultDataDir: "/home/u/.local/share/codex-cli-provider" });
    mkdirSync(path.join(root, "src"));
    writeFileSync(path.join(root, "src", "main.ts"), "");
    assert.deepEqual(detectInstallLayout({}, root, "linux", "/home/u"), { kind: "checkout", version: "4.5.6", defaultDataDir: path.join(root, "data") });
  });

  test("this repository is a checkout with package.json's version", () => {
    const layout = detectInstallLayout({});
    assert.equal(layout.kind, "checkout");
    assert.match(layout.version, /^\d+\.\d+\.\d+/);
  });
});
