import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, describe, test } from "node:test";
import { BASE_INSTRUCTIONS } from "../../src/backend/codex-hardening.ts";
import { createLogger } from "../../src/core/logger.ts";
import { writeModelCatalogFile } from "../../src/backend/model-catalog-file.ts";
import { parseCatalog, plainChatCatalog } from "../../src/backend/plain-model-catalog.ts";

/** An entry as the catalogs give it for a code-mode model (field values of the pinned catalog's default). */
const CODE_MODE_ENTRY = {
  slug: "gpt-next",
  display_name: "GPT-next",
  context_window: 500_000,
  base_instructions: "You are Codex, a coding agent.",
  model_messages: { instructions_template: "You are Codex. {{ personality }}" },
  tool_mode: "code_mode_only",
  use_responses_lite: true,
  multi_agent_version: "v2",
  apply_patch_tool_type: "freeform",
  experimental_supported_tools: ["request_user_input_async", "clock"],
  include_skills_usage_instructions: true,
  supported_reasoning_levels: [{ effort: "low", description: "Fast" }],
};

describe("the plain-chat catalog", () => {
  test("every entry, however new, becomes a plain chat model with the adapter's prompt; the model's own definition passes through", () => {
    const derived = plainChatCatalog(parseCatalog(JSON.stringify({ models: [CODE_MODE_ENTRY, { slug: "older", tool_mode: null }], etag: "x" })));
    assert.equal(derived.etag, "x");
    for (const model of derived.models) {
      assert.deepEqual(
        [model.tool_mode, model.use_responses_lite, model.multi_agent_version, model.apply_patch_tool_type, model.experimental_supported_tools],
        ["direct", false, "disabled", null, []],
      );
    }
    const first = derived.models[0];
    assert.ok(first);
    assert.deepEqual([first.slug, first.context_window, first.supported_reasoning_levels], ["gpt-next", 500_000, CODE_MODE_ENTRY.supported_reasoning_levels]);
    // The coding-agent prompt the adapter replaces anyway is not carried: the adapter's own, no templates.
    assert.deepEqual([first.base_instructions, first.model_messages], [BASE_INSTRUCTIONS, null]);
    assert.equal(first.include_skills_usage_instructions, false);
  });

  test("what is no catalog is refused (Codex refuses an empty one too)", () => {
    assert.throws(() => parseCatalog("{}"));
    assert.throws(() => parseCatalog('{"models": []}'));
    assert.throws(() => parseCatalog('{"models": [{"display_name": "no slug"}]}'));
    assert.throws(() => parseCatalog("WARNING: not json"));
  });
});

describe("the catalog file Codex starts with", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-catalog-file-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logs: string[] = [];
  const logger = createLogger("debug", (l) => logs.push(l));

  /** A stand-in for the codex binary: prints `live` for `debug models`, `bundled` with `--bundled`, or fails. */
  function fakeCodex(name: string, live: string | undefined, bundled: string | undefined): string {
    const bin = path.join(dir, name);
    const answer = (json: string | undefined) => (json === undefined ? "exit 3" : `printf '%s' '${json}'`);
    writeFileSync(bin, `#!/bin/sh\nif [ "$3" = "--bundled" ]; then ${answer(bundled)}; else ${answer(live)}; fi\n`);
    chmodSync(bin, 0o755);
    return bin;
  }
  const write = (bin: string, file: string) => writeModelCatalogFile({ bin, codexArgs: ["-c", "x=1"], env: {}, cwd: dir, file, logger, timeoutMs: 5000 });

  test("derived from the catalog Codex prints, written 0600 for Codex to read", async () => {
    const file = path.join(dir, "live.json");
    await write(fakeCodex("live", JSON.stringify({ models: [CODE_MODE_ENTRY] }), undefined), file);
    const written = parseCatalog(readFileSync(file, "utf8"));
    assert.deepEqual(written.models.map((m) => [m.slug, m.tool_mode]), [["gpt-next", "direct"]]);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  test("a failed refresh keeps the last derived file; with none, Codex's bundled catalog is derived", async () => {
    const file = path.join(dir, "kept.json");
    writeFileSync(file, JSON.stringify({ models: [{ slug: "kept", tool_mode: "direct" }] }));
    await write(fakeCodex("failing", undefined, JSON.stringify({ models: [CODE_MODE_ENTRY] })), file);
    assert.deepEqual(parseCatalog(readFileSync(file, "utf8")).models.map((m) => m.slug), ["kept"]);
    assert.ok(logs.some((l) => l.includes("keeping the last one")));

    const fresh = path.join(dir, "fresh.json");
    await write(fakeCodex("failing-bundled-ok", "not a catalog", JSON.stringify({ models: [CODE_MODE_ENTRY] })), fresh);
    assert.deepEqual(parseCatalog(readFileSync(fresh, "utf8")).models.map((m) => [m.slug, m.tool_mode]), [["gpt-next", "direct"]]);
  });

  test("no catalog at all is an error, and no file is left behind", async () => {
    const file = path.join(dir, "none.json");
    await assert.rejects(write(fakeCodex("broken", undefined, undefined), file));
    assert.equal(existsSync(file), false);
  });
});
