import type { z } from "zod";
import { BackendError } from "./backend-error.ts";
import { RpcClosedError, RpcError, RpcTimeoutError } from "./jsonrpc-client.ts";

export const CRASHED_MESSAGE = "Codex stopped while answering this request and is restarting; retry it.";

/** Turns RPC and protocol failures into backend terms, so the HTTP layer never sees a raw RPC error. */
export function toBackendError(err: unknown): unknown {
  if (err instanceof RpcClosedError) return new BackendError("crashed", CRASHED_MESSAGE);
  if (err instanceof RpcTimeoutError) return new BackendError("unavailable", "Codex did not answer in time");
  if (err instanceof RpcError) {
    // -32001: the app-server's own "overloaded" answer, worth retrying shortly.
    if (err.code === -32001) return new BackendError("unavailable", "Codex is overloaded; retry shortly");
    return new BackendError("upstream", `Codex refused the request (${err.message})`);
  }
  return err;
}

export async function rpc<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    throw toBackendError(err);
  }
}

/** Parses a response of the pinned protocol; a mismatch is reported as an upstream failure, not a crash. */
export function parseResult<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BackendError("upstream", "Codex answered in a shape this adapter does not understand");
  return parsed.data;
}
