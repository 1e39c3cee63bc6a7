import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { configuredChatGptBaseUrl } from "../../src/backend/codex-config-file.ts";

const home = mkdtempSync(path.join(tmpdir(), "ccp-config-file-"));
after(() => rmSync(home, { recursive: true, force: true }));
const withConfig = (text: string) => {
  writeFileSync(path.join(home, "config.toml"), text);
  return configuredChatGptBaseUrl(home);
};

test("the operator's chatgpt_base_url is read from config.toml (with a final /), and nothing else counts", () => {
  assert.equal(configuredChatGptBaseUrl(path.join(home, "missing")), undefined);
  assert.equal(withConfig('model = "gpt-5"\nchatgpt_base_url = "https://gw.example/backend-api"\n'), "https://gw.example/backend-api/");
  assert.equal(withConfig('[profiles.x]\nchatgpt_base_url = "https://other.example/"\n'), undefined, "a profile's value is not the top-level one");
  assert.equal(withConfig("this is = = not toml"), undefined);
  assert.equal(withConfig("chatgpt_base_url = 5\n"), undefined);
});
