import { createHash, createHmac, randomBytes, type Hash } from "node:crypto";
import type { HistoryItem, ToolDefinition, WebSearchRequest } from "./types.ts";

/** What a thread is fixed to besides its conversation: a turn that differs in any of these starts elsewhere. */
export interface ThreadSettings {
  /** Upstream model id (undefined: Codex's default). Effort is left out: Codex takes it per turn. */
  readonly model: string | undefined;
  /** System and developer text, as the thread received it in its first turn. */
  readonly instructions: string | undefined;
  readonly tools: readonly ToolDefinition[];
  readonly outputSchema: object | undefined;
  readonly webSearch: WebSearchRequest | undefined;
}

/**
 * Keyed hashes of a conversation as a thread has seen it, one per prefix: the key of a prefix
 * chains the key before it with the digest of one more item. The secret is random per instance
 * and held only here, so a key says nothing about the text behind it, and nothing outlives the
 * process. Each owner of keys (the warm threads, the paused turns) compares only keys it made.
 */
export class TranscriptKeys {
  readonly #secret: Buffer;

  constructor(secret: Buffer = randomBytes(32)) {
    this.#secret = secret;
  }

  /** The key of a conversation with nothing in it yet. */
  seed(settings: ThreadSettings): string {
    const { model, instructions, tools, outputSchema, webSearch } = settings;
    return this.#mac("seed", sha256(JSON.stringify({ model: model ?? null, instructions: instructions ?? null, tools, outputSchema: outputSchema ?? null, webSearch: webSearch ?? null })));
  }

  /** The key after one more item. */
  next(key: string, item: HistoryItem): string {
    return this.#mac(key, itemDigest(item));
  }

  /** The key after one more assistant message whose text was streamed into `text` (see `assistantText`). */
  nextDigest(key: string, digest: string): string {
    return this.#mac(key, digest);
  }

  #mac(key: string, digest: string): string {
    return createHmac("sha256", this.#secret).update(key).update("\0").update(digest).digest("hex");
  }
}

/** A streaming digest of one assistant message, equal to `itemDigest` of that message once all its text went in. */
export function assistantText(): { readonly hash: Hash; empty: boolean } {
  return { hash: createHash("sha256").update("assistant\n"), empty: true };
}

/** One item's digest; an assistant message's is computable from its streamed deltas (no JSON around the text). */
export function itemDigest(item: HistoryItem): string {
  switch (item.type) {
    case "assistant":
      return createHash("sha256").update("assistant\n").update(item.text).digest("hex");
    case "user":
      return sha256(JSON.stringify(["user", item.text, item.images]));
    case "tool_call":
      return sha256(JSON.stringify(["tool_call", item.callId, item.name, canonicalJson(item.arguments)]));
    case "tool_result":
      return sha256(JSON.stringify(["tool_result", item.callId, item.output]));
  }
}

/**
 * Arguments as the same call whatever the spacing: clients that parse them (the Messages API's
 * `input` object, SDKs) send them back re-serialised. Key order and values still count.
 */
function canonicalJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
