import assert from "node:assert/strict";
import { test } from "node:test";
import { Shutdown } from "../../src/core/shutdown.ts";
import { UnavailableError } from "../../src/errors.ts";
import { FakeBackend, chatBody, createTestApp } from "../helpers/fake-backend.ts";

const interruption = () => new UnavailableError("The adapter is shutting down and interrupted this request; retry it.", { code: "shutting_down" });
const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: {} } } };
const call = { callId: "call_1", name: "get_weather", arguments: "{}" };

async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 2000) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

test("an interrupt at the end of the shutdown grace ends running turns: one error frame in a stream, a 503 otherwise; slots are freed", async () => {
  const backend = new FakeBackend().script({ event: { type: "text", delta: "partial" } }, { hang: true }).script({ hang: true });
  const shutdown = new Shutdown();
  const t = createTestApp({ backend, shutdown });
  const streamed = await t.chat(chatBody({ stream: true }));
  const plain = t.chat(chatBody());
  await backend.waitForTurns(2);

  shutdown.interrupt(interruption());
  const text = await streamed.text();
  assert.equal(text.match(/"code":"shutting_down"/g)?.length, 1, text);
  assert.ok(text.includes("partial"));
  const res = await plain;
  assert.deepEqual([res.status, ((await res.json()) as { error: { code: string } }).error.code], [503, "shutting_down"]);
  assert.deepEqual(backend.turns.map((turn) => turn.aborted), [true, true]);
  await until(() => t.limiter.stats().active === 0);
});

test("a tool turn resumed by the client's continuation is interrupted like any other", async () => {
  const backend = new FakeBackend().script({ pause: [call] }).script({ hang: true });
  const shutdown = new Shutdown();
  const t = createTestApp({ backend, shutdown });
  const messages = [{ role: "user", content: "Weather?" }];
  assert.equal((await t.chat(chatBody({ messages, tools: [weather] }))).status, 200);
  const next = [...messages, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }, { role: "tool", tool_call_id: "call_1", content: "22 C" }];
  const continued = t.chat(chatBody({ messages: next, tools: [weather] }));
  await until(() => backend.paused[0]?.resumedWith !== undefined && t.limiter.stats().active === 1);

  shutdown.interrupt(interruption());
  const res = await continued;
  assert.equal(res.status, 503);
  assert.equal(backend.turns.length, 1, "the waiting turn was resumed, not replaced");
  await until(() => t.limiter.stats().active === 0);
});
