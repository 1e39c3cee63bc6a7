import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, test } from "node:test";
import { JsonRpcClient, RpcClosedError, RpcError, RpcTimeoutError, type RpcHandlers } from "../../src/backend/jsonrpc-client.ts";

/** The client on one side of two in-memory pipes; the test plays the peer (Codex). */
function harness(overrides: Partial<RpcHandlers> = {}, now?: () => number) {
  const toClient = new PassThrough();
  const fromClient = new PassThrough();
  const notifications: { method: string; params: unknown }[] = [];
  const problems: string[] = [];
  const handlers: RpcHandlers = {
    onNotification: (method, params) => notifications.push({ method, params }),
    onRequest: () => Promise.reject(new Error("unsupported")),
    onProtocolError: (problem) => problems.push(problem),
    ...overrides,
  };
  const client = new JsonRpcClient(toClient, fromClient, handlers, now ?? (() => Date.now()));
  let buffered = "";
  const sent: unknown[] = [];
  const waiters: (() => void)[] = [];
  fromClient.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8");
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      sent.push(JSON.parse(buffered.slice(0, nl)) as unknown);
      buffered = buffered.slice(nl + 1);
    }
    waiters.splice(0).forEach((w) => w());
  });
  /** Resolves once the client has written at least `count` messages. */
  const sentCount = async (count: number) => {
    while (sent.length < count) await new Promise<void>((r) => waiters.push(r));
    return sent;
  };
  const peer = (message: unknown) => toClient.write(`${JSON.stringify(message)}\n`);
  return { client, toClient, notifications, problems, sent, sentCount, peer };
}

const flush = () => new Promise((r) => setImmediate(r));

describe("JsonRpcClient", () => {
  test("requests carry increasing ids and answers are matched by id, in any order", async () => {
    const h = harness();
    const a = h.client.request("model/list", { limit: 1 });
    const b = h.client.request("account/read", {});
    const sent = await h.sentCount(2);
    assert.deepEqual(sent[0], { id: 1, method: "model/list", params: { limit: 1 } });
    assert.deepEqual(sent[1], { id: 2, method: "account/read", params: {} });
    h.peer({ id: 2, result: { account: null } });
    h.peer({ id: 1, result: { data: ["m"] } });
    assert.deepEqual(await a, { data: ["m"] });
    assert.deepEqual(await b, { account: null });
  });

  test("lone surrogates in any string sent become U+FFFD; paired ones (emoji) pass unchanged", async () => {
    const h = harness();
    void h.client.request("turn/start", { input: [{ text: "a\ud800b" }], tools: [{ description: "\udfff", name: "ok 😀" }] }).catch(() => undefined);
    const sent = await h.sentCount(1);
    assert.deepEqual(sent[0], { id: 1, method: "turn/start", params: { input: [{ text: "a\ufffdb" }], tools: [{ description: "\ufffd", name: "ok 😀" }] } });
  });

  test("an error response rejects with RpcError carrying method and code", async () => {
    const h = harness();
    const p = h.client.request("thread/start", {});
    await h.sentCount(1);
    h.peer({ id: 1, error: { code: -32600, message: "bad thread" } });
    await assert.rejects(p, (err: unknown) => {
      assert.ok(err instanceof RpcError);
      assert.equal(err.method, "thread/start");
      assert.equal(err.code, -32600);
      assert.match(err.message, /thread\/start: bad thread/);
      return true;
    });
  });

  test("a result of null or false still resolves (result present)", async () => {
    const h = harness();
    const p = h.client.request("x", {});
    await h.sentCount(1);
    h.peer({ id: 1, result: null });
    assert.equal(await p, null);
  });

  test("notifications are dispatched with method and params", async () => {
    const h = harness();
    h.peer({ method: "item/agentMessage/delta", params: { delta: "hi" } });
    h.peer({ jsonrpc: "2.0", method: "turn/completed", params: { turn: { id: "t1" } } });
    await flush();
    assert.deepEqual(h.notifications, [
      { method: "item/agentMessage/delta", params: { delta: "hi" } },
      { method: "turn/completed", params: { turn: { id: "t1" } } },
    ]);
  });


  test("a notification without params (JSON-RPC 2.0 allows omitting them) is still dispatched", async () => {
    const h = harness();
    h.peer({ method: "account/updated" });
    await flush();
    assert.deepEqual(h.notifications, [{ method: "account/updated", params: undefined }]);
    assert.equal(h.problems.length, 0);
  });

  test("a server request without params is still answered", async () => {
    const h = harness({ onRequest: () => Promise.resolve("fine") });
    h.peer({ id: 3, method: "ping" });
    await flush();
    assert.deepEqual(h.sent, [{ id: 3, result: "fine" }]);
  });

  test("a server request is answered with the handler's result under the same id", async () => {
    const h = harness({
      onRequest: (method, params) => Promise.resolve({ decision: method === "approve" ? "denied" : "?", echo: params }),
    });
    h.peer({ id: "srv-7", method: "approve", params: { cmd: "rm" } });
    const sent = await h.sentCount(1);
    assert.deepEqual(sent[0], { id: "srv-7", result: { decision: "denied", echo: { cmd: "rm" } } });
    assert.equal(h.notifications.length, 0, "a request is not a notification");
  });

  test("a server request whose handler throws gets a JSON-RPC error answer", async () => {
    const h = harness({ onRequest: () => Promise.reject(new Error("not supported here")) });
    h.peer({ id: 9, method: "mystery", params: {} });
    const sent = await h.sentCount(1);
    assert.deepEqual(sent[0], { id: 9, error: { code: -32601, message: "not supported here" } });
  });

  test("garbage lines go to onProtocolError; the client keeps working", async () => {
    const h = harness();
    const p = h.client.request("ping", {});
    await h.sentCount(1);
    h.toClient.write("this is not json\n");
    h.toClient.write('{"neither":"rpc"}\n');
    h.toClient.write("\n");
    h.peer({ id: 1, result: "pong" });
    assert.equal(await p, "pong");
    assert.equal(h.problems.length, 2);
    assert.ok(h.problems.every((p) => !p.includes("this is not json")), "raw lines are not echoed");
    assert.equal(h.client.closed, false);
  });

  test("a response split across chunks and multi-byte UTF-8 is read whole", async () => {
    const h = harness();
    const p = h.client.request("echo", {});
    await h.sentCount(1);
    const line = Buffer.from(`${JSON.stringify({ id: 1, result: "héllo — 日本" })}\n`, "utf8");
    const cut = line.indexOf(Buffer.from("日")) + 1; // split inside a multi-byte character
    h.toClient.write(line.subarray(0, cut));
    await flush();
    h.toClient.write(line.subarray(cut));
    assert.equal(await p, "héllo — 日本");
  });

  test("answers for unknown ids are ignored", async () => {
    const h = harness();
    h.peer({ id: 99, result: "stray" });
    await flush();
    assert.equal(h.problems.length, 0);
    assert.equal(h.client.closed, false);
  });

  test("close() rejects pending requests with RpcClosedError, and later requests at once", async () => {
    const h = harness();
    const p = h.client.request("slow", {});
    h.client.close();
    await assert.rejects(p, RpcClosedError);
    await assert.rejects(h.client.request("after", {}), RpcClosedError);
    assert.equal(h.client.closed, true);
  });

  test("the input stream ending closes the client and rejects pending requests", async () => {
    const h = harness();
    const p = h.client.request("slow", {});
    h.toClient.end();
    await assert.rejects(p, RpcClosedError);
    assert.equal(h.client.closed, true);
  });

  test("a request that gets no answer in time rejects with RpcTimeoutError; a late answer is ignored", async () => {
    const h = harness();
    const p = h.client.request("turn/start", {}, 30);
    await assert.rejects(p, (err: unknown) => err instanceof RpcTimeoutError && err.method === "turn/start");
    h.peer({ id: 1, result: "late" });
    await flush();
    assert.equal(h.client.closed, false);
    const q = h.client.request("next", {}, 1000);
    await h.sentCount(2);
    h.peer({ id: 2, result: "ok" });
    assert.equal(await q, "ok");
  });

  test("notify sends a message without an id, and nothing after close", async () => {
    const h = harness();
    h.client.notify("initialized");
    h.client.notify("x", { a: 1 });
    const sent = await h.sentCount(2);
    assert.deepEqual(sent, [{ method: "initialized" }, { method: "x", params: { a: 1 } }]);
    h.client.close();
    h.client.notify("dropped");
    await flush();
    assert.equal(sent.length, 2);
  });

  test("the wire observer sees exactly what was sent and every JSON value received, answers to Codex included", async () => {
    const wire: [string, unknown][] = [];
    const h = harness({ onWire: (direction, message) => wire.push([direction, message]) });
    const answered = h.client.request("turn/start", { threadId: "t", model: undefined });
    await h.sentCount(1);
    h.peer({ id: 1, result: { turn: { id: "u" } } });
    await answered;
    h.peer({ id: "s1", method: "item/tool/call", params: {} });
    await h.sentCount(2);
    h.toClient.write("[1,2]\nnot json\n");
    await flush();
    assert.deepEqual(wire, [
      ["out", { id: 1, method: "turn/start", params: { threadId: "t" } }],
      ["in", { id: 1, result: { turn: { id: "u" } } }],
      ["in", { id: "s1", method: "item/tool/call", params: {} }],
      ["out", { id: "s1", error: { code: -32601, message: "unsupported" } }],
      ["in", [1, 2]],
    ]);
    assert.deepEqual(h.problems, ["a message from Codex was not JSON-RPC", "a line from Codex was not JSON"]);
  });

  test("a request Codex refuses as overloaded is sent again until it is answered; any other error is not retried", async () => {
    const h = harness();
    const interrupted = h.client.request("turn/interrupt", { threadId: "t", turnId: "u" }, 5_000);
    for (let n = 1; n <= 3; n += 1) {
      const sent = (await h.sentCount(n)) as { id: number }[];
      const last = sent[n - 1];
      if (n < 3) h.peer({ id: last?.id, error: { code: -32001, message: "Server overloaded; retry later." } });
      else h.peer({ id: last?.id, result: {} });
    }
    assert.deepEqual(await interrupted, {});
    assert.deepEqual((h.sent as { method: string }[]).map((m) => m.method), ["turn/interrupt", "turn/interrupt", "turn/interrupt"]);

    const refused = h.client.request("turn/start", {}, 5_000);
    const sent = (await h.sentCount(4)) as { id: number }[];
    h.peer({ id: sent[3]?.id, error: { code: -32600, message: "bad request" } });
    await assert.rejects(refused, (err: unknown) => err instanceof RpcError && err.code === -32600);
    await flush();
    assert.equal(h.sent.length, 4, "a plain error is final");
  });

  test("retries of an overloaded request stop at its timeout", async () => {
    const h = harness();
    const started = Date.now();
    const call = h.client.request("thread/unsubscribe", {}, 300);
    const answerAll = setInterval(() => {
      for (const m of h.sent as { id: number }[]) h.peer({ id: m.id, error: { code: -32001, message: "Server overloaded; retry later." } });
      h.sent.length = 0;
    }, 5);
    try {
      await assert.rejects(call, (err: unknown) => (err instanceof RpcError && err.code === -32001) || err instanceof RpcTimeoutError);
    } finally {
      clearInterval(answerAll);
    }
    assert.ok(Date.now() - started < 1_000, `gave up after ${Date.now() - started} ms`);
  });

  test("the deadline of an overloaded request is read from the clock it is given", async () => {
    let clock = 1_000_000;
    const h = harness({}, () => clock);
    const call = h.client.request("thread/unsubscribe", {}, 5_000);
    const [first] = (await h.sentCount(1)) as { id: number }[];
    clock += 5_000; // the whole timeout went by before Codex refused it
    h.peer({ id: first?.id, error: { code: -32001, message: "Server overloaded; retry later." } });
    await assert.rejects(call, (err: unknown) => err instanceof RpcError && err.code === -32001);
    await flush();
    assert.equal(h.sent.length, 1, "no retry past the deadline");
  });
});
