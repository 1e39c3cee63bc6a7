import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, stepCountIs, tool } from "ai";
import { z } from "zod";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
});
after(() => e2e.close());

test("Vercel AI SDK: generateText with a tool runs the round trip, the continuation resuming the waiting turn", async () => {
  e2e.upstream.behave((req) =>
    (req.body.input ?? []).some((i) => i.type === "function_call_output")
      ? { deltas: ["It is 22 degrees in Paris."] }
      : { functionCalls: [{ callId: "call_ai_1", name: "weather", arguments: '{"city":"Paris"}' }] },
  );
  const provider = createOpenAICompatible({ name: "codex-cli-provider", baseURL: e2e.baseURL, apiKey: TEST_API_KEY });
  const seen: string[] = [];
  const before = e2e.upstream.modelCalls.length;
  const result = await generateText({
    model: provider("codex-cli-default"),
    prompt: "What is the weather in Paris?",
    tools: {
      weather: tool({
        description: "Current temperature of a city",
        inputSchema: z.object({ city: z.string() }),
        execute: ({ city }) => {
          seen.push(city);
          return Promise.resolve({ city, celsius: 22 });
        },
      }),
    },
    stopWhen: stepCountIs(3),
    maxRetries: 0,
  });
  assert.deepEqual(seen, ["Paris"], "the SDK ran its own tool with the model's arguments");
  assert.equal(result.text, "It is 22 degrees in Paris.");
  assert.equal(result.steps.length, 2);
  assert.equal(result.steps[0]?.finishReason, "tool-calls");
  assert.equal(e2e.service.waitingTurns.size, 0, "the waiting turn was continued, not left behind");
  const upstream = e2e.upstream.modelCalls.slice(before);
  assert.equal(upstream.length, 2, "one Codex turn: the call, then the answer");
  const output = upstream[1]?.body.input?.find((i) => i.type === "function_call_output");
  assert.deepEqual(JSON.parse(String(output?.output)), { city: "Paris", celsius: 22 });
});
