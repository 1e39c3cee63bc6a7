import assert from "node:assert/strict";
import { systemClock } from "../../src/core/clock.ts";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { BackendError } from "../../src/backend/backend-error.ts";
import { createLogger, silentLogger } from "../../src/core/logger.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** An AppServerBackend whose "Codex" is the scripted fake; returns it with the fake's call log and the warnings logged. */
async function withFake(mode: string, run: (backend: AppServerBackend, calls: () => string[], warnings: () => unknown[]) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "ccp-fake-"));
  dirs.push(dir);
  const bin = path.join(dir, "codex");
  const fake = fileURLToPath(new URL("../helpers/fake-app-server.ts", import.meta.url));
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" --import "${import.meta.resolve("tsx")}" "${fake}" "$@"\n`);
  chmodSync(bin, 0o755);
  const log = path.join(dir, "calls.log");
  writeFileSync(log, "");
  const warnings: unknown[] = [];
  const backend = new AppServerBackend({
    bin,
    codexArgs: [],
    env: { PATH: process.env.PATH ?? "", FAKE_MODE: mode, FAKE_LOG: log },
    workDir: dir,
    logger: createLogger("warn", (line) => warnings.push(JSON.parse(line))),
    clientVersion: "test",
    spareThreads: 0,
    loginCommand: "npm run login",
    clock: systemClock,
  });
  await backend.start();
  try {
    await run(
      backend,
      () => readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => l.split(" ")[1] ?? ""),
      () => warnings,
    );
  } finally {
    await backend.stop();
  }
}

const turn = (signal: AbortSignal) => ({
  model: undefined,
  instructions: undefined,
  history: [],
  input: "hi",
  inputImages: [],
  tools: [],
  outputSchema: undefined,
  onPause: () => undefined,
  reasoningEffort: undefined,
  reasoningSummary: "auto" as const,
  webSearch: undefined,
  signal,
});

/** Consumes a turn; resolves with the error it ended with, or undefined. */
async function drain(events: AsyncIterable<unknown>): Promise<unknown> {
  try {
    const iterator = events[Symbol.asyncIterator]();
    while (!(await iterator.next()).done);
    return undefined;
  } catch (err) {
    return err;
  }
}

test("a request aborted while turn/start is pending still interrupts the turn once its id is known", async () => {
  await withFake("slow-turn-start", async (backend, calls) => {
    const controller = new AbortController();
    const pending = drain(backend.chat(turn(controller.signal)));
    while (!calls().includes("turn/start")) await sleep(20); // the fake holds its answer for 400 ms
    controller.abort(new Error("client gone"));
    assert.equal(((await pending) as Error).message, "client gone");
    // The request ended at once, not when Codex answered (a hung Codex must not hold it past its timeout).
    assert.ok(!calls().includes("turn/interrupt"));
    while (!calls().includes("thread/unsubscribe")) await sleep(20); // cleaned up once turn/start answers
    assert.deepEqual(calls().filter((c) => c.startsWith("turn/") || c === "thread/unsubscribe"), ["turn/start", "turn/interrupt", "thread/unsubscribe"]);
  });
});

test("an upstream 429 reported before turn/start answers fails the request and interrupts the turn", async () => {
  await withFake("early-429", async (backend, calls) => {
    const error = await drain(backend.chat(turn(new AbortController().signal)));
    assert.ok(error instanceof BackendError);
    assert.equal(error.kind, "rate_limited");
    await sleep(300);
    assert.ok(calls().includes("turn/interrupt"), `calls: ${calls().join(", ")}`);
  });
});

test("a notification off the pinned schema fails its turn, is logged once and the turn is interrupted", async () => {
  await withFake("bad-delta", async (backend, calls, warnings) => {
    const error = await drain(backend.chat(turn(new AbortController().signal)));
    assert.ok(error instanceof BackendError);
    assert.equal(error.kind, "upstream");
    assert.equal(error.message, "Codex sent a message this adapter does not understand");
    assert.deepEqual(
      warnings().map((w) => ({ ...(w as object), time: undefined })),
      [{ time: undefined, level: "warn", msg: "codex protocol error", problem: "unexpected item/agentMessage/delta payload" }],
    );
    while (!calls().includes("thread/unsubscribe")) await sleep(20);
    assert.deepEqual(calls().filter((c) => c.startsWith("turn/") || c === "thread/unsubscribe"), ["turn/start", "turn/interrupt", "thread/unsubscribe"]);
  });
});

test("a Codex binary that cannot be started is retried with backoff and named as the problem", async () => {
  const backend = new AppServerBackend({
    bin: "/nonexistent/codex",
    codexArgs: [],
    env: {},
    workDir: tmpdir(),
    logger: silentLogger,
    clientVersion: "test",
    loginCommand: "npm run login",
    clock: systemClock,
  });
  await backend.start();
  try {
    await sleep(1200);
    assert.ok(backend.runtime().restarts >= 2, `restarts: ${backend.runtime().restarts}`);
    assert.match(backend.health().problem ?? "", /could not start Codex/);
  } finally {
    await backend.stop();
  }
});
