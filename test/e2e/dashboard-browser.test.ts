import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { after, before, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import { pinnedCodexVersion } from "../../src/backend/codex-binary.ts";
import { browserSkipReason, launchChromium } from "../helpers/browser.ts";
import { authHeaders, startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

const skip = browserSkipReason();
const ARTIFACTS = path.resolve("test-artifacts");

let e2e: E2E;
let browser: Browser;
let page: Page;

before(async () => {
  if (skip) return;
  e2e = await startE2E();
  await waitHealthy(e2e);
  browser = await launchChromium();
  page = await browser.newPage();
  await page.goto(`${e2e.service.url}/dashboard/`);
});
after(async () => {
  await browser?.close();
  await e2e?.close();
});

test("the dashboard renders health, limits and models from the real service", { skip }, async () => {
  await page.locator("#status", { hasText: "Ready" }).waitFor();
  await page.locator("#health", { hasText: pinnedCodexVersion() }).waitFor();
  assert.match(await page.locator("#limits").innerText(), /Concurrent requests\s+8/);
  assert.match(await page.locator("#models").innerText(), /codex-cli-default/);
  assert.equal(await page.locator("#problem").isHidden(), true);
});

test("a client's request appears in the events table without its content", { skip }, async () => {
  e2e.upstream.behave({ deltas: ["dashboard-answer-marker"] });
  const res = await fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "dashboard-prompt-marker" }] }),
  });
  assert.equal(res.status, 200);
  await res.text();
  const row = page.locator("#events tr", { hasText: "/v1/chat/completions" }).first();
  await row.waitFor({ timeout: 15_000 });
  assert.match(await row.innerText(), /200/);
  const text = await page.locator("body").innerText();
  assert.ok(!text.includes("dashboard-prompt-marker") && !text.includes("dashboard-answer-marker"));
});

test("the probe runs with the key typed in, and the key stays out of storage and the URL", { skip }, async () => {
  e2e.upstream.behave({ deltas: ["pong"] });
  await page.locator("#probe").click();
  await page.locator("#action-result", { hasText: "Type the bearer key first" }).waitFor();

  await page.locator("#key").fill(TEST_API_KEY);
  await page.locator("#probe").click();
  const result = page.locator("#action-result .probe");
  await result.waitFor({ timeout: 30_000 });
  assert.match(await result.innerText(), /Probe OK: HTTP 200 in \d+/);
  assert.match(await page.locator("#action-result").innerText(), /Reply: pong/);

  // A string expression: the test's TypeScript has no DOM types.
  const storage = await page.evaluate("JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie])");
  assert.equal(storage, '[{},{},""]');
  assert.ok(!page.url().includes(TEST_API_KEY));
  assert.ok(!(await page.content()).includes(TEST_API_KEY), "the key is not written into the page");

  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "dashboard.png"), fullPage: true });
});
