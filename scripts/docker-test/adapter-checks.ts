import { estimateInputTokens } from "../../src/anthropic/count-tokens.ts";
import { countTokensRequestSchema } from "../../src/anthropic/messages-request.ts";
import { messagesToTurn } from "../../src/anthropic/messages-to-turn.ts";
import { parseSse } from "../../test/helpers/sse.ts";
import { logLines, waitFor } from "./container.ts";
import { docker } from "./docker-cli.ts";
import type { HostFixture } from "./host-fixture.ts";

/** Checks of what the adapter in the container answers over HTTP and prints in its log. Each returns a detail or throws why it failed. */

const STAND_IN_ANSWER = "Hello from the stand-in.";
const SIGN_IN_WAIT_MS = 90_000;

const url = (fixture: HostFixture, route: string) => `http://127.0.0.1:${fixture.port}${route}`;

/**
 * /healthz answers 503 once the adapter has judged the empty CODEX_HOME. The adapter logs a change
 * of readiness when it is asked, so /healthz is polled until the log says "not signed in".
 */
export async function unavailableBeforeSignIn(fixture: HostFixture, container: string): Promise<string> {
  const { status, body, line } = await waitFor("a 503 and the login judged in the log", SIGN_IN_WAIT_MS, async () => {
    const res = await fetch(url(fixture, "/healthz"));
    const body = await res.text();
    const line = (await logLines(container)).find((l) => l.includes('"not ready"') && l.includes("not signed in"));
    return line ? { status: res.status, body, line } : undefined;
  });
  if (status !== 503) throw new Error(`expected 503 before sign-in, got ${status} ${body}`);
  return `503 ${body}; the log says ${JSON.stringify((JSON.parse(line) as { problem?: string }).problem)}`;
}

/** Every sign-in hint in the log names the image's command, none names npm (which the image does not have). */
export async function signInHintNamesDocker(container: string, expected: string): Promise<string> {
  const lines = await logLines(container);
  const npm = lines.filter((l) => l.includes("npm run"));
  if (npm.length) throw new Error(`${npm.length} log line(s) name npm, e.g. ${npm[0] ?? ""}`);
  const hints = lines.filter((l) => l.includes(expected));
  if (!hints.some((l) => l.includes('"level":"info"') && l.includes("sign in once")))
    throw new Error(`the start log's sign-in hint does not name \`${expected}\``);
  return `${hints.length} log lines name \`${expected}\`, none names npm`;
}

/** A fabricated ChatGPT login written into the mounted CODEX_HOME turns /healthz to 200. */
export async function healthyAfterSignIn(fixture: HostFixture): Promise<string> {
  const started = Date.now();
  fixture.signIn();
  await waitFor("/healthz 200 after sign-in", SIGN_IN_WAIT_MS, async () => ((await fetch(url(fixture, "/healthz"))).status === 200 ? true : undefined));
  return `200 ${Math.round((Date.now() - started) / 1000)} s after auth.json appeared in the mounted CODEX_HOME`;
}

/** The operator points Codex at the stand-in in config.toml and restarts the container (`docker compose restart`); ready again, signed in. */
export async function restartedWithStandIn(fixture: HostFixture, container: string, graceSeconds: number): Promise<string> {
  fixture.useStandIn();
  const started = Date.now();
  await docker("restart", "--time", String(graceSeconds), container);
  await waitFor("/healthz 200 after the restart", SIGN_IN_WAIT_MS, async () => ((await fetch(url(fixture, "/healthz"))).status === 200 ? true : undefined));
  return `config.toml names the stand-in at ${fixture.upstream.baseUrl}; /healthz 200 ${Math.round((Date.now() - started) / 1000)} s after docker restart`;
}

/** A new container on the same data directory (signed in, config.toml naming the stand-in) turns ready and answers a streamed chat. */
export async function readyAndAnswering(fixture: HostFixture): Promise<string> {
  const started = Date.now();
  await waitFor("/healthz 200", SIGN_IN_WAIT_MS, async () => ((await fetch(url(fixture, "/healthz"))).status === 200 ? true : undefined));
  const ready = Math.round((Date.now() - started) / 1000);
  return `/healthz 200 ${ready} s after the start; streamed chat: ${await streamedChat(fixture)}`;
}

/** One streamed chat completion, answered by Codex in the container through the stand-in on the host. */
export async function streamedChat(fixture: HostFixture): Promise<string> {
  const callsBefore = fixture.upstream.modelCalls.length;
  const res = await fetch(url(fixture, "/v1/chat/completions"), {
    method: "POST",
    headers: { Authorization: `Bearer ${fixture.apiKey}`, "Content-Type": "application/json" },
    body: JSON.stringify({ model: "codex-cli-default", stream: true, messages: [{ role: "user", content: "Say hello." }] }),
  });
  const text = await res.text();
  if (res.status !== 200 || !res.headers.get("content-type")?.startsWith("text/event-stream")) {
    throw new Error(`expected a 200 event stream, got ${res.status} ${text.slice(0, 200)}`);
  }
  const { data } = parseSse(text);
  if (data.at(-1) !== "[DONE]") throw new Error("the stream did not end with [DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices?: { delta?: { content?: string } }[] });
  const answer = chunks.map((c) => c.choices?.[0]?.delta?.content ?? "").join("");
  if (answer !== STAND_IN_ANSWER) throw new Error(`expected the stand-in's answer ${JSON.stringify(STAND_IN_ANSWER)}, got ${JSON.stringify(answer)}`);
  const calls = fixture.upstream.modelCalls.length - callsBefore;
  if (calls !== 1) throw new Error(`expected one model call at the stand-in, saw ${calls}`);
  return `${chunks.length} chunks, ${JSON.stringify(answer)}, one model call reached the stand-in on the host`;
}

/** The dashboard page is served (loopback Host, no key needed for the page). */
export async function dashboardAnswers(fixture: HostFixture): Promise<string> {
  const res = await fetch(url(fixture, "/dashboard/"));
  const body = await res.text();
  if (res.status !== 200 || !body.includes("<title>codex-cli-provider</title>")) throw new Error(`expected the dashboard page, got ${res.status} ${body.slice(0, 120)}`);
  const state = await fetch(url(fixture, "/dashboard/api/state"));
  if (state.status !== 200) throw new Error(`the dashboard page answered, its state ${state.status}`);
  return `GET /dashboard/ 200 (${res.headers.get("content-type") ?? "?"}), its state 200`;
}

/** Anthropic's count_tokens, answered with the one copy of gpt-tokenizer's tables the image keeps; equal to the same estimate on the host. */
export async function countTokensAnswers(fixture: HostFixture): Promise<string> {
  const request = {
    model: "codex-cli-default",
    messages: [{ role: "user", content: "The image keeps one copy of the o200k_base token table, and this sentence is counted with it." }],
  };
  const res = await fetch(url(fixture, "/v1/messages/count_tokens"), {
    method: "POST",
    headers: { "x-api-key": fixture.apiKey, "anthropic-version": "2023-06-01", "Content-Type": "application/json" },
    body: JSON.stringify(request),
  });
  const body = await res.text();
  const counted = res.status === 200 ? (JSON.parse(body) as { input_tokens?: unknown }).input_tokens : undefined;
  const expected = estimateInputTokens(messagesToTurn(countTokensRequestSchema.parse(request)));
  if (counted !== expected) throw new Error(`expected input_tokens ${expected} (the host's estimate), got ${res.status} ${body.slice(0, 200)}`);
  return `input_tokens ${expected}, as the host counts the same message`;
}
