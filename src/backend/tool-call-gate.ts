import type { ToolResult } from "./types.ts";

/** The answer to Codex's `item/tool/call`: the client's result, as text, never anything the adapter ran. */
export interface DynamicToolAnswer {
  readonly contentItems: readonly { readonly type: "inputText"; readonly text: string }[];
  readonly success: boolean;
}

interface Waiter {
  resolve: (answer: DynamicToolAnswer) => void;
  reject: (error: Error) => void;
}

/**
 * Holds one turn's `item/tool/call` requests until the client sends the results, matched by
 * call id. Codex may ask before or after the results arrive; either order answers once.
 */
export class ToolCallGate {
  readonly #results = new Map<string, string>();
  readonly #waiting = new Map<string, Waiter>();
  #closed = false;

  /** Codex asks for one call's result. */
  request(callId: string): Promise<DynamicToolAnswer> {
    if (this.#closed) return Promise.reject(new Error("this turn no longer waits for tool results"));
    const output = this.#results.get(callId);
    if (output !== undefined) {
      this.#results.delete(callId);
      return Promise.resolve(answer(output));
    }
    return new Promise((resolve, reject) => this.#waiting.set(callId, { resolve, reject }));
  }

  /** The client's results: answers waiting requests now, keeps the others for when Codex asks. */
  provide(results: readonly ToolResult[]): void {
    for (const { callId, output } of results) {
      const waiter = this.#waiting.get(callId);
      if (waiter) {
        this.#waiting.delete(callId);
        waiter.resolve(answer(output));
      } else {
        this.#results.set(callId, output);
      }
    }
  }

  /** The turn ended: refuse whatever still waits. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiting.values()) waiter.reject(new Error("the turn ended before the client sent tool results"));
    this.#waiting.clear();
    this.#results.clear();
  }
}

function answer(output: string): DynamicToolAnswer {
  return { contentItems: [{ type: "inputText", text: output }], success: true };
}
