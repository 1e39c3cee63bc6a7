import type { z } from "zod";
import { BackendError } from "./backend-error.ts";
import { RpcClosedError, RpcError, RpcTimeoutError } from "./jsonrpc-client.ts";

export const CRASHED_MESSAGE = "Codex stopped while answering this request and is restarting; retry it.";

/** Turns RPC and protocol failures into backend terms, so the HTTP layer never sees a raw RPC error. */
export async function rpc<T>(pending: Promise<T>): Promise<T> {
  try {
    return await pending;
  } catch (err) {
    if (err instanceof BackendError) throw err;
    if (err instanceof RpcClosedError) throw new BackendError("crashed", CRASHED_MESSAGE);
    if (err instanceof RpcTimeoutError) throw new BackendError("unavailable", "Codex did not answer in time");
    if (err instanceof RpcError) throw new BackendError("upstream", `Codex refused the request (${err.message})`);
    throw err;
  }
}

/** Parses a response of the pinned protocol; a mismatch is reported as an upstream failure, not a crash. */
export function parseResult<T>(schema: z.ZodType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new BackendError("upstream", "Codex answered in a shape this adapter does not understand");
  return parsed.data;
}
