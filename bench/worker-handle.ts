import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { workerMessage, type ParentMessage, type WorkerMessage } from "./protocol.ts";

type Reply<T extends WorkerMessage["type"]> = Extract<WorkerMessage, { type: T }>;

interface Waiter {
  readonly type: WorkerMessage["type"];
  readonly resolve: (message: WorkerMessage) => void;
  readonly reject: (error: Error) => void;
}

const WORKER = fileURLToPath(new URL("./service-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** The parent's side of one forked service worker (bench/service-worker.ts). */
export class WorkerHandle {
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #waiters: Waiter[] = [];
  #gone: Error | undefined;

  constructor(options: { exposeGc: boolean } = { exposeGc: false }) {
    this.#child = fork(WORKER, [], {
      cwd: ROOT,
      execArgv: ["--import", "tsx", ...(options.exposeGc ? ["--expose-gc"] : [])],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production" },
    });
    this.#exited = new Promise((resolve) => this.#child.once("exit", () => resolve()));
    this.#child.on("message", (raw: unknown) => {
      const parsed = workerMessage.safeParse(raw);
      if (!parsed.success) return;
      const message = parsed.data;
      if (message.type === "error") {
        this.#failAll(new Error(`service worker: ${message.message}`));
        return;
      }
      const waiter = this.#waiters.find((w) => w.type === message.type);
      if (waiter) {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        waiter.resolve(message);
      }
    });
    this.#child.once("exit", (code, signal) => this.#failAll(new Error(`service worker exited (${signal ?? `code ${code}`})`)));
  }

  /** The adapter's process id (the worker is the adapter process). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  request<T extends WorkerMessage["type"]>(message: ParentMessage, reply: T, timeoutMs: number): Promise<Reply<T>> {
    if (this.#gone) return Promise.reject(this.#gone);
    return new Promise<Reply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(new Error(`service worker did not answer "${message.type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        type: reply,
        resolve: (m) => {
          clearTimeout(timer);
          if (m.type === reply) resolve(m as Reply<T>);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.push(waiter);
      this.#child.send(message);
    });
  }

  /** Asks the worker to stop its service (and Codex); kills it if it does not exit in time. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (this.#child.exitCode === null && this.#child.signalCode === null) {
      if (this.#child.connected) this.#child.send({ type: "stop" } satisfies ParentMessage);
      const timer = setTimeout(() => this.kill(), timeoutMs);
      await this.#exited;
      clearTimeout(timer);
    }
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill("SIGKILL");
  }

  #failAll(error: Error): void {
    this.#gone ??= error;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(error);
  }
}
