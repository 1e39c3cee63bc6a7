import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import type { Logger } from "../core/logger.ts";
import { BackendError } from "./backend-error.ts";
import { JsonRpcClient, type RpcHandlers } from "./jsonrpc-client.ts";
import type { BackendState } from "./types.ts";

export interface SupervisorOptions {
  readonly bin: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly logger: Logger;
  readonly handlers: Omit<RpcHandlers, "onProtocolError">;
  /** Called once per child that goes away, so its in-flight turns can fail cleanly. */
  readonly onChildExit: () => void;
  /** Called after each successful handshake (the backend starts its spare threads then). */
  readonly onReady?: () => void;
  readonly clientVersion: string;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  readonly handshakeTimeoutMs?: number;
  /** Reads the time (how long a child lived, request deadlines). */
  readonly now: () => number;
  /** Runs before each spawn (the derived model catalog); a failure is the child's start failing. */
  readonly beforeSpawn?: () => Promise<void>;
}

interface ReadyWaiter {
  resolve: (client: JsonRpcClient) => void;
  reject: (error: Error) => void;
}

/** A child that stayed up this long resets the backoff. */
const STABLE_AFTER_MS = 30_000;

/** Owns the long-lived `codex app-server` child: spawn, handshake, restart with capped backoff. */
export class AppServerSupervisor {
  readonly #o: SupervisorOptions;
  #state: BackendState = "stopped";
  #problem: string | undefined = "Codex has not started yet";
  #child: ChildProcessWithoutNullStreams | undefined;
  #client: JsonRpcClient | undefined;
  #waiters: ReadyWaiter[] = [];
  #failures = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #restarts = 0;

  constructor(options: SupervisorOptions) {
    this.#o = options;
  }

  get state(): BackendState {
    return this.#state;
  }

  get problem(): string | undefined {
    return this.#state === "ready" ? undefined : this.#problem;
  }

  /** Ready and its connection still open (the connection closes a moment before the exit event). */
  get connected(): boolean {
    return this.#state === "ready" && this.#client !== undefined && !this.#client.closed;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  get restarts(): number {
    return this.#restarts;
  }

  start(): void {
    if (this.#state !== "stopped") return;
    void this.#launch();
  }

  /** The connected client, waiting for a (re)start in progress up to `timeoutMs`. */
  ready(timeoutMs: number, signal?: AbortSignal): Promise<JsonRpcClient> {
    if (this.connected && this.#client) return Promise.resolve(this.#client);
    if (this.#state === "stopped") return Promise.reject(this.#unavailable());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
      };
      const waiter: ReadyWaiter = {
        resolve: (c) => (done(), resolve(c)),
        reject: (e) => (done(), reject(e)),
      };
      const onAbort = () => waiter.reject(signal?.reason as Error);
      const timer = setTimeout(() => waiter.reject(this.#unavailable()), timeoutMs);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Replaces a child that misbehaves (e.g. stopped answering). */
  recycle(reason: string): void {
    if (!this.#child) return;
    this.#o.logger.warn("codex app-server recycled", { reason, pid: this.#child.pid });
    this.#child.kill("SIGKILL");
  }

  async stop(graceMs = 3000): Promise<void> {
    this.#state = "stopped";
    this.#problem = "the adapter is shutting down";
    clearTimeout(this.#restartTimer);
    for (const w of [...this.#waiters]) w.reject(this.#unavailable());
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #unavailable(): BackendError {
    return new BackendError("unavailable", `Codex is not ready: ${this.#problem ?? "starting"}`);
  }

  async #launch(): Promise<void> {
    this.#state = "starting";
    this.#problem = undefined;
    try {
      await this.#o.beforeSpawn?.();
    } catch (err) {
      if (this.#stopped()) return;
      this.#problem = `could not prepare Codex's start (${err instanceof Error ? err.message.split("\n")[0] : "unknown"})`;
      this.#o.logger.error("codex app-server not started", { problem: this.#problem });
      this.#scheduleRestart();
      return;
    }
    if (!this.#stopped()) this.#spawn();
  }

  /** Read afresh after an await: stop() may have run meanwhile. */
  #stopped(): boolean {
    return this.#state === "stopped";
  }

  #spawn(): void {
    const { now } = this.#o;
    const startedAt = now();
    const child = spawn(this.#o.bin, ["app-server", ...this.#o.args], {
      cwd: this.#o.cwd,
      env: this.#o.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.#child = child;
    // Drained, never logged: Codex's diagnostics may quote the conversation.
    child.stderr.resume();
    const client = new JsonRpcClient(
      child.stdout,
      child.stdin,
      {
        ...this.#o.handlers,
        onProtocolError: (problem) => this.#o.logger.warn("codex protocol error", { problem }),
      },
      now,
    );
    this.#client = client;
    const gone = (code: number | null, signal: NodeJS.Signals | null) => {
      client.close();
      if (this.#child === child) this.#child = undefined;
      this.#o.onChildExit();
      if (this.#state === "stopped") return;
      const lived = now() - startedAt;
      this.#o.logger.warn("codex app-server exited", { code, signal, livedMs: lived, pid: child.pid });
      this.#problem ??= `Codex exited (${signal ?? `code ${code}`}) and is restarting`;
      if (lived > STABLE_AFTER_MS) this.#failures = 0;
      this.#scheduleRestart();
    };
    child.once("error", (err) => {
      this.#problem ??= `could not start Codex (${err.message})`;
      client.close();
      if (child.pid === undefined) gone(null, null); // never started: no exit event follows
    });
    child.once("exit", gone);
    void this.#handshake(client, child);
  }

  async #handshake(client: JsonRpcClient, child: ChildProcessWithoutNullStreams): Promise<void> {
    try {
      await client.request(
        "initialize",
        {
          clientInfo: { name: "codex-cli-provider", title: "codex-cli-provider", version: this.#o.clientVersion },
          capabilities: { experimentalApi: true, requestAttestation: false },
        },
        this.#o.handshakeTimeoutMs ?? 20_000,
      );
      client.notify("initialized");
    } catch (err) {
      if (this.#child !== child || this.#state === "stopped") return;
      this.#problem ??= `Codex did not complete its handshake (${err instanceof Error ? err.message : "unknown"})`;
      child.kill("SIGKILL");
      return;
    }
    if (this.#child !== child || this.#state === "stopped") return;
    this.#state = "ready";
    this.#problem = undefined;
    this.#o.logger.info("codex app-server ready", { pid: child.pid });
    for (const w of [...this.#waiters]) w.resolve(client);
    this.#o.onReady?.();
  }

  #scheduleRestart(): void {
    this.#state = "backoff";
    this.#restarts += 1;
    const { baseMs, maxMs } = this.#o.backoff ?? { baseMs: 250, maxMs: 10_000 };
    const delay = Math.min(maxMs, baseMs * 2 ** this.#failures * (0.8 + Math.random() * 0.4));
    this.#failures += 1;
    this.#restartTimer = setTimeout(() => {
      if (this.#state !== "stopped") void this.#launch();
    }, delay);
  }
}
