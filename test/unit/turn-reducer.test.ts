import assert from "node:assert/strict";
import { test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { parseCodexNotification, type TurnMessage } from "../../src/backend/codex-messages.ts";
import { reduceTurn } from "../../src/backend/turn-reducer.ts";
import { initialTurnState, resumable, type TurnConfig, type TurnEffect, type TurnInput, type TurnState } from "../../src/backend/turn-state.ts";
import type { TokenUsage } from "../../src/backend/types.ts";

/** The pure turn reducer, table-style: state x input -> next state and the effects its owner carries out. */

const usage = (total: number): TokenUsage => ({ inputTokens: total, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, totalTokens: total });
const plain: TurnConfig = { toolNames: new Set(), replayedCallIds: new Set(), usedBefore: usage(10) };
const withTools: TurnConfig = { toolNames: new Set(["lookup"]), replayedCallIds: new Set(["old"]), usedBefore: undefined };

const streaming: TurnState = { ...initialTurnState, codex: { phase: "running", turnId: "T" } };
const starting: TurnState = { ...initialTurnState, codex: { phase: "starting" } };
const answered: TurnState = { ...streaming, answerStarted: true };
const stepped: TurnState = { ...streaming, usage: usage(3), stepCalls: [{ callId: "c1", name: "lookup", arguments: "{}" }] };
const paused: TurnState = { ...streaming, consumer: { phase: "paused", segment: 0 } };
const finished: TurnState = { ...streaming, consumer: { phase: "finished", segment: 0 } };
const releasedWhileStarting: TurnState = { ...starting, consumer: { phase: "released", kept: false } };

/** A notification as Codex sends it, through the same parser the backend uses. */
function codex(method: string, params: Record<string, unknown>): TurnMessage {
  const parsed = parseCodexNotification(method, { threadId: "th", turnId: "T", ...params });
  assert.equal(parsed.scope, "turn");
  return parsed.scope === "turn" ? parsed.message : { kind: "malformed", method: "error" };
}
const retried = (httpStatusCode: number) =>
  codex("error", { willRetry: true, error: { message: "busy", codexErrorInfo: { responseStreamDisconnected: { httpStatusCode } } } });
const completed = (status: string, error: unknown = null) => codex("turn/completed", { turn: { id: "T", status, error } });

/** Effects in one line each, so the table reads as what the owner does. */
function describe(effect: TurnEffect): string {
  switch (effect.type) {
    case "emit":
      return `emit ${JSON.stringify(effect.event)}`;
    case "pause":
      return `pause ${effect.calls.map((c) => c.callId).join(",")}`;
    case "fail":
      return effect.error instanceof BackendError ? `fail ${effect.error.kind}: ${effect.error.message}` : `fail ${String(effect.error)}`;
    case "warn":
      return `warn ${effect.problem}`;
    case "interrupt":
      return `interrupt ${effect.turnId}`;
    default:
      return effect.type;
  }
}
const phases = (s: TurnState) =>
  `${s.codex.phase}/${s.consumer.phase}${"segment" in s.consumer ? `#${s.consumer.segment}` : ""}${"kept" in s.consumer && s.consumer.kept ? " kept" : ""}`;

interface Row {
  readonly name: string;
  readonly state: TurnState;
  readonly input: TurnInput;
  readonly config?: TurnConfig;
  /** codex phase / consumer phase#segment after the input. */
  readonly next: string;
  readonly effects: readonly string[];
  readonly facts?: Partial<Pick<TurnState, "usage" | "lastError" | "answerStarted" | "stepCalls">>;
}

const rows: readonly Row[] = [
  // Streaming: Codex's notifications become the segment's events.
  { name: "text delta", state: streaming, input: codex("item/agentMessage/delta", { itemId: "i", delta: "hi" }), next: "running/streaming#0", effects: ['emit {"type":"text","delta":"hi"}'], facts: { answerStarted: true } },
  { name: "reasoning summary delta", state: streaming, input: codex("item/reasoning/summaryTextDelta", { delta: "hm" }), next: "running/streaming#0", effects: ['emit {"type":"reasoning","delta":"hm"}'], facts: { answerStarted: true } },
  { name: "running token total less the thread's earlier turns", state: streaming, input: codex("thread/tokenUsage/updated", { tokenUsage: { total: usage(25) } }), next: "running/streaming#0", effects: [], facts: { usage: usage(15) } },
  { name: "token total ignored with client tools", config: withTools, state: streaming, input: codex("thread/tokenUsage/updated", { tokenUsage: { total: usage(25) } }), next: "running/streaming#0", effects: [], facts: { usage: undefined } },
  { name: "a client tool call joins the step", config: withTools, state: streaming, input: codex("rawResponseItem/completed", { item: { type: "function_call", call_id: "c1", name: "lookup", arguments: "{}" } }), next: "running/streaming#0", effects: [], facts: { stepCalls: [{ callId: "c1", name: "lookup", arguments: "{}" }] } },
  { name: "a replayed call is no new call", config: withTools, state: streaming, input: codex("rawResponseItem/completed", { item: { type: "function_call", call_id: "old", name: "lookup", arguments: "{}" } }), next: "running/streaming#0", effects: [], facts: { stepCalls: [] } },
  { name: "a call of no client tool is not the client's", config: withTools, state: streaming, input: codex("rawResponseItem/completed", { item: { type: "function_call", call_id: "c2", name: "shell", arguments: "{}" } }), next: "running/streaming#0", effects: [], facts: { stepCalls: [] } },
  { name: "an upstream response without calls adds its usage", config: withTools, state: { ...streaming, usage: usage(3) }, input: codex("rawResponse/completed", { usage: usage(4) }), next: "running/streaming#0", effects: [], facts: { usage: usage(7) } },
  {
    name: "an upstream response with calls pauses the turn",
    config: withTools,
    state: stepped,
    input: codex("rawResponse/completed", { usage: usage(4) }),
    next: "running/paused#0",
    effects: [`emit {"type":"usage","usage":${JSON.stringify(usage(7))}}`, "pause c1", 'emit {"type":"tool_calls","calls":[{"callId":"c1","name":"lookup","arguments":"{}"}]}', "end"],
    facts: { usage: undefined, stepCalls: [] },
  },
  { name: "raw responses ignored without client tools", state: stepped, input: codex("rawResponse/completed", { usage: usage(4) }), next: "running/streaming#0", effects: [], facts: { usage: usage(3) } },
  { name: "another item starting", state: streaming, input: codex("item/started", { item: { type: "imageView" } }), next: "running/streaming#0", effects: [] },
  {
    name: "a commentary message begins",
    state: streaming,
    input: codex("item/started", { item: { type: "agentMessage", phase: "commentary" } }),
    next: "running/streaming#0",
    effects: ['emit {"type":"message","phase":"commentary"}'],
    facts: { answerStarted: false },
  },
  { name: "a message of no stated phase begins", state: streaming, input: codex("item/started", { item: { type: "agentMessage", phase: null } }), next: "running/streaming#0", effects: ['emit {"type":"message","phase":null}'] },
  { name: "a partial answer counts as the answer", state: streaming, input: codex("item/started", { item: { type: "agentMessage", phase: "partial_answer" } }), next: "running/streaming#0", effects: ['emit {"type":"message","phase":"final_answer"}'] },
  { name: "a reasoning item begins a summary part", state: streaming, input: codex("item/started", { item: { type: "reasoning" } }), next: "running/streaming#0", effects: ['emit {"type":"reasoning_part"}'] },
  { name: "another summary part", state: streaming, input: codex("item/reasoning/summaryPartAdded", { itemId: "r", summaryIndex: 1 }), next: "running/streaming#0", effects: ['emit {"type":"reasoning_part"}'] },
  {
    name: "a web search begins",
    state: streaming,
    input: codex("item/started", { item: { type: "webSearch", id: "ws_1", query: "paris weather" } }),
    next: "running/streaming#0",
    effects: ['emit {"type":"web_search","id":"ws_1","query":"paris weather","status":"searching"}'],
  },
  {
    name: "a web search ends",
    state: streaming,
    input: codex("item/completed", { item: { type: "webSearch", id: "ws_1", query: "paris weather" } }),
    next: "running/streaming#0",
    effects: ['emit {"type":"web_search","id":"ws_1","query":"paris weather","status":"completed"}'],
  },
  { name: "another item completing", state: streaming, input: codex("item/completed", { item: { type: "agentMessage" } }), next: "running/streaming#0", effects: [] },
  {
    name: "an answer's citations (from its raw message)",
    state: streaming,
    input: codex("rawResponseItem/completed", {
      item: {
        type: "message",
        role: "assistant",
        content: [{ type: "output_text", text: "Sunny.", annotations: [{ type: "url_citation", url: "https://w.example/", title: "W", start_index: 0, end_index: 5 }, { type: "file_citation" }] }],
      },
    }),
    next: "running/streaming#0",
    effects: ['emit {"type":"citations","citations":[{"url":"https://w.example/","title":"W","start":0,"end":5}]}'],
  },
  {
    name: "a raw message without citations",
    state: streaming,
    input: codex("rawResponseItem/completed", { item: { type: "message", role: "assistant", content: [{ type: "output_text", text: "Hi.", annotations: [] }] } }),
    next: "running/streaming#0",
    effects: [],
  },
  {
    name: "context compaction fails the segment",
    state: streaming,
    input: codex("item/started", { item: { type: "contextCompaction" } }),
    next: "running/finished#0",
    effects: ["fail context_too_long: Codex would have to summarise it to fit (the adapter never answers from a summary): shorten or compact it."],
  },
  { name: "an upstream 429 Codex retries fails at once", state: streaming, input: retried(429), next: "running/finished#0", effects: ["fail rate_limited: busy"] },
  { name: "a retry after part of the answer went out", state: answered, input: retried(502), next: "running/finished#0", effects: ["fail upstream: the answer broke off midway (busy); retry the request"] },
  { name: "a retry before any answer is Codex's business", state: streaming, input: retried(502), next: "running/streaming#0", effects: [] },
  { name: "a final error is kept for turn/completed", state: streaming, input: codex("error", { willRetry: false, error: { message: "gone" } }), next: "running/streaming#0", effects: [], facts: { lastError: { message: "gone" } } },
  {
    name: "completed: usage, then done",
    state: { ...streaming, usage: usage(5) },
    input: completed("completed"),
    next: "ended/finished#0",
    effects: [`emit {"type":"usage","usage":${JSON.stringify(usage(5))}}`, 'emit {"type":"done"}', "end"],
  },
  { name: "interrupted by Codex", state: streaming, input: completed("interrupted"), next: "ended/finished#0", effects: ["fail interrupted: the turn was interrupted"] },
  { name: "failed with the last error reported", state: { ...streaming, lastError: { message: "model gone", codexErrorInfo: "modelNotFound" } }, input: completed("failed"), next: "ended/finished#0", effects: ["fail model_not_found: model gone"] },
  { name: "failed with nothing reported", state: streaming, input: completed("failed"), next: "ended/finished#0", effects: ["fail upstream: Codex reported a failed turn"] },
  {
    name: "a payload off the pinned schema",
    state: streaming,
    input: codex("item/agentMessage/delta", { delta: 5 }),
    next: "running/finished#0",
    effects: ["warn unexpected item/agentMessage/delta payload", "fail upstream: Codex sent a message this adapter does not understand"],
  },
  // Paused, finished: nobody consumes the events; only a paused turn's end matters.
  { name: "paused: events are nobody's", state: paused, input: codex("item/agentMessage/delta", { itemId: "i", delta: "hi" }), next: "running/paused#0", effects: [] },
  { name: "paused: Codex ends the turn", state: paused, input: completed("failed"), next: "ended/paused#0", effects: [] },
  { name: "paused: even an unreadable turn/completed ends it", state: paused, input: codex("turn/completed", { turn: 1 }), next: "ended/paused#0", effects: [] },
  { name: "paused: a malformed delta is nobody's", state: paused, input: codex("item/agentMessage/delta", {}), next: "running/paused#0", effects: [] },
  { name: "finished: a late turn/completed is ignored", state: finished, input: completed("completed"), next: "running/finished#0", effects: [] },
  // Starting the turn in Codex.
  { name: "turn/start sent", state: initialTurnState, input: { kind: "startSent" }, next: "starting/streaming#0", effects: [] },
  { name: "turn/start answered", state: starting, input: { kind: "started", turnId: "T" }, next: "running/streaming#0", effects: [] },
  { name: "turn/start answered after Codex ended the turn", state: { ...starting, codex: { phase: "ended" } }, input: { kind: "started", turnId: "T" }, next: "ended/streaming#0", effects: [] },
  { name: "turn/start answered after the release: stopped and let go", state: releasedWhileStarting, input: { kind: "started", turnId: "T" }, next: "interrupting/released", effects: ["interrupt T", "unsubscribe"] },
  { name: "turn/start failed after the release: let go", state: releasedWhileStarting, input: { kind: "startFailed" }, next: "ended/released", effects: ["unsubscribe"] },
  // The request goes away.
  { name: "abort while streaming", state: streaming, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "interrupting/finished#0", effects: ["interrupt T", "fail client gone"] },
  { name: "abort before the turn's id is known", state: starting, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "starting/finished#0", effects: ["fail client gone"] },
  { name: "abort after the segment failed", state: finished, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "interrupting/finished#0", effects: ["interrupt T"] },
  { name: "abort after Codex ended the turn", state: { ...finished, codex: { phase: "ended" } }, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "ended/finished#0", effects: [] },
  { name: "abort of a paused segment: the turn is its next owner's", state: paused, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "running/paused#0", effects: [] },
  { name: "abort of an earlier segment", state: { ...streaming, consumer: { phase: "streaming", segment: 1 } }, input: { kind: "aborted", segment: 0, reason: "client gone" }, next: "running/streaming#1", effects: [] },
  // Resuming, the child going away, the release.
  { name: "resumed: the next segment", state: paused, input: { kind: "resumed" }, next: "running/streaming#1", effects: [] },
  { name: "resumed after Codex ended it: nothing", state: { ...paused, codex: { phase: "ended" } }, input: { kind: "resumed" }, next: "ended/paused#0", effects: [] },
  { name: "child gone while streaming", state: streaming, input: { kind: "childExited" }, next: "ended/finished#0", effects: ["closeGate", "fail crashed: Codex stopped while answering this request and is restarting; retry it."] },
  { name: "child gone while paused", state: paused, input: { kind: "childExited" }, next: "ended/paused#0", effects: ["closeGate"] },
  { name: "released, kept warm", state: { ...finished, codex: { phase: "ended" } }, input: { kind: "released", kept: true }, next: "ended/released kept", effects: ["closeGate"] },
  { name: "released after Codex ended it", state: { ...finished, codex: { phase: "ended" } }, input: { kind: "released", kept: false }, next: "ended/released", effects: ["closeGate", "unsubscribe"] },
  { name: "released while running: stopped", state: finished, input: { kind: "released", kept: false }, next: "interrupting/released", effects: ["closeGate", "interrupt T", "unsubscribe"] },
  { name: "released after the interrupt: never a second one", state: { ...finished, codex: { phase: "interrupting", turnId: "T" } }, input: { kind: "released", kept: false }, next: "interrupting/released", effects: ["closeGate", "unsubscribe"] },
  { name: "released while turn/start is unanswered: clean-up waits", state: { ...starting, consumer: { phase: "finished", segment: 0 } }, input: { kind: "released", kept: false }, next: "starting/released", effects: ["closeGate"] },
  { name: "released before turn/start was sent", state: { ...initialTurnState, consumer: { phase: "finished", segment: 0 } }, input: { kind: "released", kept: false }, next: "unstarted/released", effects: ["closeGate", "unsubscribe"] },
  { name: "released twice", state: { ...finished, consumer: { phase: "released", kept: false } }, input: { kind: "released", kept: false }, next: "running/released", effects: [] },
];

for (const row of rows) {
  test(`turn reducer: ${row.name}`, () => {
    const { state, effects } = reduceTurn(row.state, row.input, { config: row.config ?? plain, rateLimits: undefined, nowMs: 0 });
    assert.equal(phases(state), row.next);
    assert.deepEqual(effects.map(describe), row.effects);
    for (const [key, value] of Object.entries(row.facts ?? {})) assert.deepEqual(state[key as keyof TurnState], value, key);
  });
}

test("turn reducer: only a paused turn Codex still runs can be resumed", () => {
  assert.equal(resumable(paused), true);
  assert.equal(resumable({ ...paused, codex: { phase: "ended" } }), false);
  assert.equal(resumable(streaming), false);
  assert.equal(resumable({ ...paused, consumer: { phase: "released", kept: false } }), false);
});
