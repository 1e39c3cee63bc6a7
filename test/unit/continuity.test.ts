import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Continuity, type ThreadPlan } from "../../src/backend/continuity.ts";
import type { ChatEvent, ChatTurnRequest, HistoryItem, ToolCall } from "../../src/backend/types.ts";

const user = (text: string, images: string[] = []): HistoryItem => ({ type: "user", text, images });
const assistant = (text: string): HistoryItem => ({ type: "assistant", text });

function request(history: readonly HistoryItem[], input: string, extra: Partial<ChatTurnRequest> = {}): ChatTurnRequest {
  return {
    model: "gpt-5.5",
    instructions: "Be brief.",
    history,
    input,
    inputImages: [],
    tools: [],
    outputSchema: undefined,
    onPause: () => undefined,
    reasoningEffort: undefined,
    reasoningSummary: "auto",
    webSearch: undefined,
    signal: new AbortController().signal,
    ...extra,
  };
}

/** Runs a turn to completion on the planned thread (or a new one named `fresh`), the answer streamed in pieces. */
function complete(plan: ThreadPlan<string>, fresh: string, answer: string, calls: ToolCall[] = []): string {
  const thread = plan.warm ?? fresh;
  const events: ChatEvent[] = [...answer.split(/(?<= )/).map((delta) => ({ type: "text", delta }) as const), ...(calls.length ? [{ type: "tool_calls", calls } as const] : [{ type: "done" } as const])];
  for (const e of events) plan.keeper.seen(e);
  if (!calls.length) assert.equal(plan.keeper.completed(thread, undefined), true);
  return thread;
}

function continuity(max = 8): { c: Continuity<string>; letGo: string[] } {
  const letGo: string[] = [];
  return { c: new Continuity<string>({ maxWarmThreads: max, idleMs: 60_000, letGo: (t) => letGo.push(t) }), letGo };
}

describe("continuity: which follow-up request continues the warm thread", () => {
  // A thread answered "Hi there." to "Hello" (with the instructions "Be brief.", model gpt-5.5).
  const cases: { name: string; next: ChatTurnRequest; hit: boolean; newItems?: HistoryItem[] }[] = [
    { name: "the next user message", next: request([user("Hello"), assistant("Hi there.")], "And now?"), hit: true, newItems: [] },
    { name: "two new user messages", next: request([user("Hello"), assistant("Hi there."), user("One")], "Two"), hit: true, newItems: [user("One")] },
    { name: "a tool message with no call becomes a new user message", next: request([user("Hello"), assistant("Hi there."), user("Tool result (x):\n1")], "Go on"), hit: true, newItems: [user("Tool result (x):\n1")] },
    { name: "another reasoning effort (Codex takes it per turn)", next: request([user("Hello"), assistant("Hi there.")], "And now?", { reasoningEffort: "high" }), hit: true, newItems: [] },
    { name: "regenerate: the same question again", next: request([], "Hello"), hit: false },
    { name: "an edited earlier user message", next: request([user("Hello!"), assistant("Hi there.")], "And now?"), hit: false },
    { name: "an edited assistant answer", next: request([user("Hello"), assistant("Hi there")], "And now?"), hit: false },
    { name: "trimmed: the first message dropped", next: request([assistant("Hi there.")], "And now?"), hit: false },
    { name: "summarised: the history replaced by a summary", next: request([user("Summary: greeted."), assistant("Hi there.")], "And now?"), hit: false },
    { name: "other instructions", next: request([user("Hello"), assistant("Hi there.")], "And now?", { instructions: "Be long." }), hit: false },
    { name: "no instructions", next: request([user("Hello"), assistant("Hi there.")], "And now?", { instructions: undefined }), hit: false },
    { name: "another model", next: request([user("Hello"), assistant("Hi there.")], "And now?", { model: "gpt-5.5-mini" }), hit: false },
    { name: "tools added", next: request([user("Hello"), assistant("Hi there.")], "And now?", { tools: [{ name: "f", description: "", parameters: {} }] }), hit: false },
    { name: "a structured-output format added", next: request([user("Hello"), assistant("Hi there.")], "And now?", { outputSchema: { type: "object" } }), hit: false },
    { name: "an assistant message the thread did not write, after its answer", next: request([user("Hello"), assistant("Hi there."), assistant("Injected.")], "And now?"), hit: false },
  ];
  for (const { name, next, hit, newItems } of cases) {
    test(`${name}: ${hit ? "same thread" : "fresh thread"}`, () => {
      const { c } = continuity();
      complete(c.plan(request([], "Hello")), "t1", "Hi there.");
      const plan = c.plan(next);
      assert.equal(plan.warm, hit ? "t1" : undefined);
      if (hit) {
        assert.equal(plan.outcome, "hit");
        assert.equal(plan.request.instructions, undefined, "the thread has the instructions already");
        assert.deepEqual(plan.request.history, newItems);
        assert.equal(plan.request.input, next.input);
      } else {
        assert.notEqual(plan.outcome, "hit");
        assert.deepEqual(plan.request, next, "a fresh thread gets the whole conversation");
      }
    });
  }

  test("images are part of the match: the same image continues, other bytes do not", () => {
    const { c } = continuity();
    const img = "data:image/png;base64,iVBORw0KGgo=";
    complete(c.plan(request([], "What is this?", { inputImages: [img] })), "t1", "A dot.");
    const other = c.plan(request([user("What is this?", ["data:image/png;base64,iVBORw0KGgp="]), assistant("A dot.")], "Sure?"));
    assert.equal(other.warm, undefined);
    assert.equal(c.plan(request([user("What is this?", [img]), assistant("A dot.")], "Sure?")).warm, "t1");
  });

  test("a tool turn continues after its final answer: text, calls, results and answer as the client repeats them", () => {
    const { c } = continuity();
    const tools = [{ name: "get_weather", description: "", parameters: {} }];
    const plan = c.plan(request([], "Weather?", { tools }));
    const call = { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
    complete(plan, "t1", "Let me check. ", [call]);
    plan.keeper.resumed([{ callId: "call_1", output: "22 C" }]);
    complete(plan, "t1", "Sunny.");
    const history = [user("Weather?"), assistant("Let me check. "), { type: "tool_call", ...call } as const, { type: "tool_result", callId: "call_1", output: "22 C" } as const, assistant("Sunny.")];
    assert.equal(c.plan(request(history, "Tomorrow?", { tools })).warm, "t1");
  });

  test("tool-call arguments match whatever their spacing (clients re-serialise them), not whatever their values", () => {
    const tools = [{ name: "f", description: "", parameters: {} }];
    const cases = [
      { sent: '{"city":"Paris"}', hit: true },
      { sent: '{ "city": "Paris" }', hit: true },
      { sent: '{"city":"Lyon"}', hit: false },
    ];
    for (const { sent, hit } of cases) {
      const { c } = continuity();
      const plan = c.plan(request([], "Weather?", { tools }));
      complete(plan, "t1", "", [{ callId: "c1", name: "f", arguments: '{"city": "Paris"}' }]);
      plan.keeper.resumed([{ callId: "c1", output: "22 C" }]);
      complete(plan, "t1", "Sunny.");
      const history = [user("Weather?"), { type: "tool_call", callId: "c1", name: "f", arguments: sent } as const, { type: "tool_result", callId: "c1", output: "22 C" } as const, assistant("Sunny.")];
      assert.equal(c.plan(request(history, "More?", { tools })).warm, hit ? "t1" : undefined, sent);
    }
  });

  test("two conversations sharing a 20-message prefix, then differing, never share a thread", () => {
    const { c } = continuity();
    const prefix: HistoryItem[] = [];
    let thread: string | undefined;
    for (let i = 0; i < 10; i += 1) {
      const plan = c.plan(request(prefix, `q${i}`));
      thread = complete(plan, "shared", `a${i}`);
      prefix.push(user(`q${i}`), assistant(`a${i}`));
    }
    assert.equal(thread, "shared");
    const a = c.plan(request(prefix, "branch A"));
    assert.equal(a.warm, "shared");
    complete(a, "shared", "answer A");
    // B shares all 20 messages but not A's last exchange: it must not see the thread that answered A.
    const b = c.plan(request([...prefix, user("branch B"), assistant("answer A")], "go on"));
    assert.equal(b.warm, undefined);
    assert.equal(b.outcome, "no_match");
    complete(b, "b-thread", "answer B");
    assert.equal(c.plan(request([...prefix, user("branch A"), assistant("answer A")], "go on")).warm, "shared");
  });
});

describe("continuity: ownership, bounds and reasons", () => {
  const turn1 = () => request([], "Hello");
  const turn2 = () => request([user("Hello"), assistant("Hi.")], "Next");

  test("a warm thread is taken exclusively: a concurrent same-prefix request gets a fresh thread", () => {
    const { c } = continuity();
    complete(c.plan(turn1()), "t1", "Hi.");
    const first = c.plan(turn2());
    const second = c.plan(turn2());
    assert.equal(first.warm, "t1");
    assert.equal(second.warm, undefined);
    assert.equal(second.outcome, "busy");
    complete(first, "unused", "A.");
    complete(second, "t2", "B.");
    assert.deepEqual(c.stats().misses.busy, 1);
    assert.equal(c.stats().warm, 2, "both continue separately afterwards");
  });

  test("regenerating after the thread moved on: a fresh thread, reason moved_on", () => {
    const { c } = continuity();
    complete(c.plan(turn1()), "t1", "Hi.");
    complete(c.plan(turn2()), "unused", "A.");
    const again = c.plan(turn2());
    assert.equal(again.warm, undefined);
    assert.equal(again.outcome, "moved_on");
  });

  test("a turn that did not complete lets the thread go; a retry starts fresh", () => {
    const { c } = continuity();
    complete(c.plan(turn1()), "t1", "Hi.");
    c.plan(turn2()).keeper.abandoned();
    const retry = c.plan(turn2());
    assert.equal(retry.warm, undefined);
    assert.equal(retry.outcome, "turn_failed");
  });

  test("at most MAX_WARM_THREADS: the least recently used is let go (unsubscribed)", () => {
    const { c, letGo } = continuity(2);
    for (const name of ["a", "b", "c"]) complete(c.plan(request([], `Hello ${name}`)), name, "Hi.");
    assert.deepEqual(letGo, ["a"]);
    assert.equal(c.stats().warm, 2);
    assert.equal(c.plan(request([user("Hello a"), assistant("Hi.")], "Next")).outcome, "evicted_full");
    assert.equal(c.plan(request([user("Hello c"), assistant("Hi.")], "Next")).warm, "c");
  });

  test("an idle warm thread is let go after WARM_THREAD_IDLE_SECONDS", async () => {
    const letGo: string[] = [];
    const c = new Continuity<string>({ maxWarmThreads: 4, idleMs: 20, letGo: (t) => letGo.push(t) });
    complete(c.plan(turn1()), "t1", "Hi.");
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(letGo, ["t1"]);
    assert.equal(c.plan(turn2()).outcome, "evicted_idle");
  });

  test("a restarted child forgets every warm thread (nothing to unsubscribe); a changed login unsubscribes them", () => {
    const { c, letGo } = continuity();
    complete(c.plan(turn1()), "t1", "Hi.");
    c.childExited();
    assert.equal(c.plan(turn2()).outcome, "restarted");
    assert.deepEqual(letGo, []);
    complete(c.plan(turn1()), "t2", "Hi.");
    c.loginChanged();
    assert.deepEqual(letGo, ["t2"]);
    assert.equal(c.plan(turn2()).outcome, "login_changed");
  });

  test("0 turns continuity off: every thread is let go by its turn, nothing is counted", () => {
    for (const [max, idleMs] of [[0, 60_000], [8, 0]] as const) {
      const c = new Continuity<string>({ maxWarmThreads: max, idleMs, letGo: () => assert.fail("nothing is kept") });
      const plan = c.plan(turn1());
      assert.equal(plan.outcome, "off");
      for (const e of [{ type: "text", delta: "Hi." }, { type: "done" }] as const) plan.keeper.seen(e);
      assert.equal(plan.keeper.completed("t1", undefined), false, "the caller unsubscribes it");
      assert.equal(c.plan(turn2()).warm, undefined);
      assert.equal(c.stats().hits + Object.values(c.stats().misses).reduce((a, b) => a + b, 0), 0);
    }
  });

  test("hits and misses are counted; the first turn of a conversation is neither", () => {
    const { c } = continuity();
    complete(c.plan(turn1()), "t1", "Hi.");
    complete(c.plan(turn2()), "unused", "A.");
    c.plan(request([user("Other"), assistant("Hi.")], "Next"));
    const stats = c.stats();
    assert.equal(stats.hits, 1);
    assert.equal(stats.misses.no_match, 1);
    assert.equal(stats.warm, 1);
  });
});
