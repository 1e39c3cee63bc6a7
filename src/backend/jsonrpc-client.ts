import readline from "node:readline";
import type { Readable, Writable } from "node:stream";
import { z } from "zod";

/** A JSON-RPC error answered by the peer. */
export class RpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${message}`);
    this.name = "RpcError";
  }
}

/** The connection ended (child exited or stream closed) before an answer came. */
export class RpcClosedError extends Error {
  constructor(message = "connection to Codex closed") {
    super(message);
    this.name = "RpcClosedError";
  }
}

export class RpcTimeoutError extends Error {
  constructor(readonly method: string) {
    super(`${method}: no answer in time`);
    this.name = "RpcTimeoutError";
  }
}

/** Codex's answer when its request queue is full ("Server overloaded; retry later."). */
const RPC_OVERLOADED = -32001;
/** Waits before each retry of an overloaded request; a turn/interrupt dropped here would orphan a turn. */
const OVERLOAD_RETRY_MS = [20, 50, 100, 200, 400, 800, 1600, 3200] as const;

const id = z.union([z.number(), z.string()]);
// Requests and notifications first: JSON-RPC lets `params` be left out.
const incomingSchema = z.union([
  z.object({ id, method: z.string(), params: z.unknown().optional() }),
  z.object({ method: z.string(), params: z.unknown().optional() }),
  z.object({ id, error: z.object({ code: z.number(), message: z.string() }) }),
  z.object({ id, result: z.unknown() }),
]);

export interface RpcHandlers {
  onNotification(method: string, params: unknown): void;
  /** Answer a request the peer sent; throw to send a JSON-RPC error. */
  onRequest(method: string, params: unknown): Promise<unknown>;
  /** A line that is not a JSON-RPC message (logged by the owner, never echoed to clients). */
  onProtocolError(problem: string): void;
  /** Sees every message sent and every JSON value received (the contract tests validate them); must not throw. */
  onWire?: WireObserver;
}

export type WireObserver = (direction: "out" | "in", message: unknown) => void;

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

/** JSON-RPC 2.0 over newline-delimited JSON, on any readable/writable pair. */
export class JsonRpcClient {
  readonly #output: Writable;
  readonly #handlers: RpcHandlers;
  readonly #pending = new Map<number, Pending>();
  /** Reads the time for request deadlines. */
  readonly #now: () => number;
  #nextId = 1;
  #closed: Error | undefined;

  constructor(input: Readable, output: Writable, handlers: RpcHandlers, now: () => number) {
    this.#output = output;
    this.#handlers = handlers;
    this.#now = now;
    const lines = readline.createInterface({ input, crlfDelay: Infinity });
    lines.on("line", (line) => this.#receive(line));
    lines.on("close", () => this.close(new RpcClosedError()));
    output.on("error", (err) => this.close(new RpcClosedError(`write to Codex failed: ${err.message}`)));
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Sends a request; one Codex refused as overloaded is sent again after a short wait, within `timeoutMs`. */
  async request<T = unknown>(method: string, params: unknown, timeoutMs?: number): Promise<T> {
    const deadline = timeoutMs === undefined ? undefined : this.#now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#requestOnce<T>(method, params, deadline === undefined ? undefined : Math.max(1, deadline - this.#now()));
      } catch (err) {
        const wait = OVERLOAD_RETRY_MS[attempt];
        const retry = err instanceof RpcError && err.code === RPC_OVERLOADED && wait !== undefined && (deadline === undefined || this.#now() + wait < deadline);
        if (!retry) throw err;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  #requestOnce<T>(method: string, params: unknown, timeoutMs: number | undefined): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closed);
    const requestId = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.#pending.delete(requestId);
              reject(new RpcTimeoutError(method));
            }, timeoutMs);
      this.#pending.set(requestId, { method, resolve: resolve as (v: unknown) => void, reject, timer });
      this.#send({ id: requestId, method, params });
    });
  }

  notify(method: string, params?: unknown): void {
    if (!this.#closed) this.#send(params === undefined ? { method } : { method, params });
  }

  /** Fails every pending request; later calls reject at once. */
  close(reason: Error = new RpcClosedError()): void {
    if (this.#closed) return;
    this.#closed = reason;
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.reject(reason);
    }
    this.#pending.clear();
  }

  #send(message: object): void {
    const line = JSON.stringify(message, wellFormedStrings);
    // The observer gets what went on the wire (no undefined fields), as a copy it may keep.
    if (this.#handlers.onWire) this.#handlers.onWire("out", JSON.parse(line));
    // Two writes: joining a large message with its newline would copy it once more.
    this.#output.write(line);
    this.#output.write("\n");
  }

  #receive(line: string): void {
    if (!line.trim()) return;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      this.#handlers.onProtocolError("a line from Codex was not JSON");
      return;
    }
    this.#handlers.onWire?.("in", json);
    const parsed = incomingSchema.safeParse(json);
    if (!parsed.success) {
      this.#handlers.onProtocolError("a message from Codex was not JSON-RPC");
      return;
    }
    const msg = parsed.data;
    if ("method" in msg) {
      if ("id" in msg) this.#answer(msg.id, msg.method, msg.params);
      else this.#handlers.onNotification(msg.method, msg.params);
      return;
    }
    const pending = typeof msg.id === "number" ? this.#pending.get(msg.id) : undefined;
    if (!pending) return;
    this.#pending.delete(msg.id as number);
    clearTimeout(pending.timer);
    if ("error" in msg) pending.reject(new RpcError(pending.method, msg.error.code, msg.error.message));
    else pending.resolve(msg.result);
  }

  #answer(requestId: string | number, method: string, params: unknown): void {
    this.#handlers.onRequest(method, params).then(
      (result) => {
        if (!this.#closed) this.#send({ id: requestId, result });
      },
      (err: unknown) => {
        const message = err instanceof Error ? err.message : "unsupported";
        if (!this.#closed) this.#send({ id: requestId, error: { code: -32601, message } });
      },
    );
  }
}

/**
 * Lone UTF-16 surrogates (half an emoji) become U+FFFD in every string sent: JSON.stringify
 * escapes them as `\udXXX`, which Codex cannot parse, and the child then never answers.
 */
function wellFormedStrings(_key: string, value: unknown): unknown {
  return typeof value === "string" ? value.toWellFormed() : value;
}

