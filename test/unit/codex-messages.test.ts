import assert from "node:assert/strict";
import { test } from "node:test";
import { parseCodexNotification, parseCodexRequest } from "../../src/backend/codex-messages.ts";

test("a turn notification is parsed into its typed variant and routed by its thread", () => {
  const params = { threadId: "th", turnId: "T", itemId: "i", delta: "hi" };
  assert.deepEqual(parseCodexNotification("item/agentMessage/delta", params), {
    scope: "turn",
    threadId: "th",
    message: { kind: "notification", notification: { method: "item/agentMessage/delta", params } },
  });
});

test("a turn notification off the pinned schema still reaches its thread's turn, as malformed", () => {
  assert.deepEqual(parseCodexNotification("turn/completed", { threadId: "th", turn: "?" }), {
    scope: "turn",
    threadId: "th",
    message: { kind: "malformed", method: "turn/completed" },
  });
});

test("a turn notification without a readable thread, an unknown method or a bad account update is ignored", () => {
  assert.deepEqual(parseCodexNotification("turn/completed", { turn: {} }), { scope: "ignored" });
  assert.deepEqual(parseCodexNotification("item/agentMessage/delta", undefined), { scope: "ignored" });
  assert.deepEqual(parseCodexNotification("thread/started", { threadId: "th" }), { scope: "ignored" });
  assert.deepEqual(parseCodexNotification("account/updated", { authMode: 1 }), { scope: "ignored" });
});

test("account notifications are parsed for the whole child", () => {
  const params = { authMode: "chatgpt", planType: "plus" };
  assert.deepEqual(parseCodexNotification("account/updated", params), { scope: "account", notification: { method: "account/updated", params } });
  assert.equal(parseCodexNotification("account/rateLimits/updated", { rateLimits: {} }).scope, "account");
});

test("only item/tool/call is a request the adapter answers", () => {
  const params = { threadId: "th", turnId: "T", callId: "c1", tool: "lookup", arguments: {} };
  assert.deepEqual(parseCodexRequest("item/tool/call", params), { kind: "toolCall", params: { threadId: "th", turnId: "T", callId: "c1", tool: "lookup" } });
  assert.deepEqual(parseCodexRequest("item/tool/call", { threadId: "th" }), { kind: "malformedToolCall" });
  assert.deepEqual(parseCodexRequest("item/commandExecution/requestApproval", {}), { kind: "unsupported", method: "item/commandExecution/requestApproval" });
});
