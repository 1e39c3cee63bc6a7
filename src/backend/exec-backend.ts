import { spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { z } from "zod";
import { AsyncQueue } from "../core/async-queue.ts";
import { BackendError } from "./backend-error.ts";
import { readBinaryVersion } from "./codex-binary.ts";
import { BASE_INSTRUCTIONS } from "./codex-hardening.ts";
import type { OperatorCommands } from "../operator-commands.ts";
import { readLoginStatus } from "./login-status.ts";
import { NO_ACCOUNT_FEED, NO_MODEL_SOURCE, terminalSignIn } from "./missing-roles.ts";
import type {
  AccountDetails,
  AccountService,
  AccountStatus,
  Backend,
  BackendHealth,
  BackendLifecycle,
  BackendRuntime,
  ChatBackend,
  ChatEvent,
  ChatTurnRequest,
  HistoryItem,
} from "./types.ts";

export interface ExecBackendOptions {
  readonly bin: string;
  /** The hardening and routing of `hardeningArgs()`, given to every `codex exec`. */
  readonly codexArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly workDir: string;
  /** Where the plain-assistant system prompt is written: `codex exec` only takes it from a file. */
  readonly instructionsFile: string;
  /** The sign-in commands its messages name (Config.commands). */
  readonly commands: OperatorCommands;
}

const execEvent = z.union([
  z.object({ type: z.literal("item.completed"), item: z.object({ type: z.string(), text: z.string().optional() }) }),
  z.object({
    type: z.literal("turn.completed"),
    usage: z.object({
      input_tokens: z.number(),
      cached_input_tokens: z.number(),
      output_tokens: z.number(),
      reasoning_output_tokens: z.number(),
    }),
  }),
  z.object({ type: z.literal("turn.failed"), error: z.object({ message: z.string() }) }),
  z.object({ type: z.string() }),
]);

/**
 * The exec backend as the service holds it: what `codex exec` can do, plus the roles a one-shot
 * process cannot play (no catalog, nothing pushed, sign-in at a terminal).
 */
export function createExecBackend(options: ExecBackendOptions): Backend {
  return Object.assign(new ExecBackend(options), NO_MODEL_SOURCE, NO_ACCOUNT_FEED, terminalSignIn(options.commands));
}

/**
 * The fallback backend: one `codex exec --json` process per request. No token deltas (the
 * whole answer arrives at once) and errors come without Codex's typed error info, so they
 * all map to 502. Kept as the baseline the benchmark compares against.
 */
class ExecBackend implements ChatBackend, BackendLifecycle, AccountService {
  readonly name = "exec" as const;
  /** `codex exec` has no dynamic tools; schemas and images would need files per request: text only. */
  readonly features = { tools: false, outputSchema: false, images: false, webSearch: false } as const;
  readonly #o: ExecBackendOptions;
  #running = 0;

  constructor(options: ExecBackendOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await mkdir(path.dirname(this.#o.instructionsFile), { recursive: true, mode: 0o700 });
    await writeFile(this.#o.instructionsFile, BASE_INSTRUCTIONS, { mode: 0o600 });
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  health(): BackendHealth {
    return { state: "ready", problem: undefined };
  }

  runtime(): BackendRuntime {
    return { pid: undefined, restarts: 0, activeTurns: this.#running };
  }

  binaryVersion(): Promise<string> {
    return readBinaryVersion(this.#o.bin, this.#o.env);
  }

  /** `codex login status` reads auth.json afresh every time; exec cannot tell ChatGPT from other providers. */
  async readAccount(): Promise<AccountStatus> {
    const status = await readLoginStatus(this.#o.bin, this.#o.env, this.#o.commands.login);
    return status.authMode === "chatgpt"
      ? { usable: true, problem: undefined }
      : { usable: false, problem: `Codex is not signed in with ChatGPT: run \`${this.#o.commands.login}\`` };
  }

  /** As far as `codex login status` goes: the kind of login, no plan and no usage figures. */
  async accountDetails(): Promise<AccountDetails> {
    const { authMode } = await readLoginStatus(this.#o.bin, this.#o.env, this.#o.commands.login);
    return { signedIn: authMode === "chatgpt", authMode, planType: null, rateLimits: null, credits: null };
  }

  async *chat(request: ChatTurnRequest): AsyncGenerator<ChatEvent> {
    const args = [
      "exec",
      "--json",
      "--ephemeral",
      "--skip-git-repo-check",
      "-C",
      this.#o.workDir,
      "-s",
      "read-only",
      ...this.#o.codexArgs,
      "-c",
      `model_instructions_file=${tomlString(this.#o.instructionsFile)}`,
      ...(request.model ? ["-m", request.model] : []),
      ...(request.reasoningEffort ? ["-c", `model_reasoning_effort=${tomlString(request.reasoningEffort)}`] : []),
      "-",
    ];
    const child = spawn(this.#o.bin, args, { cwd: this.#o.workDir, env: this.#o.env, stdio: ["pipe", "pipe", "ignore"] });
    this.#running += 1;
    child.once("close", () => (this.#running -= 1));
    const events = new AsyncQueue<ChatEvent>();
    const kill = () => child.kill("SIGKILL");
    request.signal.addEventListener("abort", kill, { once: true });
    child.stdin.on("error", () => undefined); // a child that died early is reported by its exit
    child.stdin.end(execPrompt(request)); // on stdin, never argv: other local users can read argv
    let failure: BackendError | undefined;
    readline.createInterface({ input: child.stdout }).on("line", (line) => {
      const event = parseLine(line);
      if (event?.type === "item.completed" && "item" in event && event.item.type === "agent_message" && event.item.text) {
        events.push({ type: "text", delta: event.item.text });
      } else if (event?.type === "turn.completed" && "usage" in event) {
        const u = event.usage;
        const usage = {
          inputTokens: u.input_tokens,
          cachedInputTokens: u.cached_input_tokens,
          outputTokens: u.output_tokens,
          reasoningOutputTokens: u.reasoning_output_tokens,
          totalTokens: u.input_tokens + u.output_tokens,
        };
        events.push({ type: "usage", usage });
      } else if (event?.type === "turn.failed" && "error" in event) {
        failure = new BackendError("upstream", event.error.message);
      }
    });
    child.on("error", (err) => events.fail(new BackendError("unavailable", `could not run Codex: ${err.message}`)));
    child.on("close", (code) => {
      if (request.signal.aborted) events.fail(request.signal.reason);
      else if (failure) events.fail(failure);
      else if (code !== 0) events.fail(new BackendError("upstream", `codex exec exited with code ${code}`));
      else {
        events.push({ type: "done" });
        events.end();
      }
    });
    try {
      yield* events;
    } finally {
      request.signal.removeEventListener("abort", kill);
      if (child.exitCode === null && child.signalCode === null) kill();
    }
  }
}

function parseLine(line: string): z.infer<typeof execEvent> | undefined {
  try {
    const parsed = execEvent.safeParse(JSON.parse(line));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** exec has no item injection, so the conversation goes in as clearly delimited plain text. */
function execPrompt(request: ChatTurnRequest): string {
  const parts: string[] = [];
  if (request.instructions) parts.push(`<instructions>\n${request.instructions}\n</instructions>`);
  if (request.history.length) {
    const lines = request.history.map(historyText);
    parts.push(`<conversation>\n${lines.join("\n")}\n</conversation>`);
  }
  parts.push(request.input);
  return parts.join("\n\n");
}

/** exec offers no client tools (the HTTP layer refuses them), so earlier calls and results are replayed as text. */
function historyText(h: HistoryItem): string {
  switch (h.type) {
    case "user":
    case "assistant":
      return `<${h.type}>\n${h.text}\n</${h.type}>`;
    case "tool_call":
      return `<assistant>\nCalled tool ${h.name}(${h.arguments})\n</assistant>`;
    case "tool_result":
      return `<user>\nTool result (${h.callId}):\n${h.output}\n</user>`;
  }
}

/** JSON string escapes are valid TOML basic-string escapes, except DEL, which TOML wants escaped. */
function tomlString(value: string): string {
  return JSON.stringify(value).replace(/\u007f/g, "\\u007F");
}
