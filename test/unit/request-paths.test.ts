import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { messagesRequestSchema } from "../../src/anthropic/messages-request.ts";
import { messagesToTurn } from "../../src/anthropic/messages-to-turn.ts";
import { chatRequestSchema } from "../../src/openai/chat-request.ts";
import { chatToTurn } from "../../src/openai/chat-to-turn.ts";
import { responsesRequestSchema } from "../../src/openai/responses-request.ts";
import { responsesToTurn } from "../../src/openai/responses-to-turn.ts";
import { prepareTurn } from "../../src/turn/prepare-turn.ts";
import { paramName, RequestProblem } from "../../src/turn/request-problem.ts";
import type { ParamPath, TurnRequest } from "../../src/turn/turn-request.ts";

const LIMITS = { maxMessages: 3, maxTotalTextChars: 1000, maxImageBytes: 1000 };
const FEATURES = { tools: true, outputSchema: true, images: true, webSearch: true };
const REMOTE_IMAGE = "https://example.com/cat.png";
const BAD_SCHEMA = { type: "object", properties: { a: { type: "strnig" } } };
const fn = (name: string) => ({ type: "function", function: { name, parameters: { type: "object" } } });

/** The problem the shared preparation finds in a translated request: its path, its param and its message. */
function problemOf(translate: () => TurnRequest): { path: ParamPath; param: string | null; message: string } {
  try {
    prepareTurn(translate(), LIMITS, FEATURES);
  } catch (error) {
    assert.ok(error instanceof RequestProblem, String(error));
    return { path: error.path, param: error.param, message: error.message };
  }
  assert.fail("no problem found");
}

/** One test per case: the problem's path, the param named from it, its message, and words of another API it must not use. */
function pathCases(translate: (body: object) => () => TurnRequest, cases: readonly [string, object, ParamPath, RegExp][], foreign?: RegExp): void {
  for (const [name, body, path, message] of cases) {
    test(name, () => {
      const problem = problemOf(translate(body));
      assert.deepEqual(problem.path, path);
      assert.equal(problem.param, paramName(path));
      assert.match(problem.message, message);
      if (foreign) assert.doesNotMatch(problem.message, foreign);
    });
  }
}

test("a path is named as the OpenAI and Anthropic APIs name parameters", () => {
  assert.equal(paramName(["messages", 2, "content", 0]), "messages[2].content[0]");
  assert.equal(paramName(["response_format", "json_schema", "schema"]), "response_format.json_schema.schema");
  assert.equal(paramName(["tools", 3]), "tools[3]");
  assert.equal(paramName(["input"]), "input");
});

describe("Chat Completions: problems name the message, part and field the client sent", () => {
  const chat = (body: object) => () => chatToTurn(chatRequestSchema.parse(body));
  const cases: [string, object, ParamPath, RegExp][] = [
    ["an image part", { messages: [{ role: "system", content: "s" }, { role: "user", content: [{ type: "text", text: "a" }, { type: "image_url", image_url: { url: REMOTE_IMAGE } }] }] }, ["messages", 1, "content", 1], /inline/],
    ["an image outside a user message", { messages: [{ role: "assistant", content: [{ type: "image_url", image_url: REMOTE_IMAGE }] }, { role: "user", content: "a" }] }, ["messages", 0, "content"], /user messages only/],
    ["too many messages", { messages: ["a", "b", "c", "d"].map((content) => ({ role: "user", content })) }, ["messages"], /Too many/],
    ["the output schema", { messages: [{ role: "user", content: "a" }], response_format: { type: "json_schema", json_schema: { name: "s", schema: BAD_SCHEMA } } }, ["response_format", "json_schema", "schema"], /^Invalid JSON Schema in response_format: /],
    ["a function defined twice", { messages: [{ role: "user", content: "a" }], tools: [fn("f"), fn("f")] }, ["tools", 1], /twice/],
    ["a tool choice naming no tool", { messages: [{ role: "user", content: "a" }], tools: [fn("f")], tool_choice: { type: "function", function: { name: "g" } } }, ["tool_choice"], /'g'/],
  ];
  pathCases(chat, cases);
});

describe("Responses: problems in the conversation name `input` as a whole; fields name `text.format` and the client's own tool index", () => {
  const responses = (body: object) => () => responsesToTurn(responsesRequestSchema.parse(body), []).request;
  const cases: [string, object, ParamPath, RegExp][] = [
    ["an image part", { instructions: "be brief", input: [{ role: "user", content: [{ type: "input_image", image_url: REMOTE_IMAGE }] }] }, ["input"], /inline/],
    ["too long", { input: "x".repeat(1001) }, ["input"], /too long/],
    ["the output schema", { input: "a", text: { format: { type: "json_schema", name: "s", schema: BAD_SCHEMA } } }, ["text", "format", "schema"], /^Invalid JSON Schema in text\.format: /],
    ["a function defined twice, after the search tool", { input: "a", tools: [{ type: "web_search" }, { type: "function", name: "f" }, { type: "function", name: "f" }] }, ["tools", 2], /twice/],
  ];
  pathCases(responses, cases, /response_format|messages\[/);
});

describe("Messages: problems in the conversation name `messages` as a whole; tools by the client's index", () => {
  const messages = (body: object) => () => messagesToTurn(messagesRequestSchema.parse({ model: "claude-x", max_tokens: 10, ...body }));
  const image = (mediaType: string) => ({ type: "image", source: { type: "base64", media_type: mediaType, data: "AAAA" } });
  const cases: [string, object, ParamPath, RegExp][] = [
    ["an image of a type the model does not read", { system: "s", messages: [{ role: "user", content: [image("image/bmp")] }] }, ["messages"], /image\/png/],
    ["the last message from the assistant", { messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }] }, ["messages"], /last message/],
    ["a tool defined twice, after the search tool", { messages: [{ role: "user", content: "a" }], tools: [{ type: "web_search_20250305", name: "web_search" }, { name: "f", input_schema: {} }, { name: "f", input_schema: {} }] }, ["tools", 2], /twice/],
  ];
  pathCases(messages, cases);
});
