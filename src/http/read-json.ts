import type { Context } from "hono";
import type { z } from "zod";
import { unlessAborted } from "../core/unless-aborted.ts";
import { BodyTimeoutError, ClientGoneError, InvalidJsonError, InvalidRequestError, PayloadTooLargeError } from "../errors.ts";
import type { ServerBindings } from "./listen.ts";

/**
 * Reads at most `maxBytes` of the body, parses JSON and validates it; every failure is an
 * OpenAI-shaped 4xx, except a client that hangs up mid-body (ClientGoneError: 499).
 */
export async function readJson<T extends z.ZodType>(c: Context, schema: T, maxBytes: number): Promise<z.infer<T>> {
  const tooLarge = () => {
    // The rest of the body stays unread; on a kept-alive connection it would spoil the next request.
    c.header("Connection", "close");
    return new PayloadTooLargeError(`Request body is larger than ${maxBytes} bytes.`);
  };
  const declared = Number(c.req.header("content-length") ?? "0");
  if (declared > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) throw new InvalidJsonError("Request body is empty; send a JSON object.");
  const bytes = await readBody(c, body, declared, maxBytes, tooLarge);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new InvalidJsonError("Request body is not valid JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const { path, message } = issue ? mostSpecific(issue) : { path: [], message: "malformed body" };
    // Written as the rest of the API names fields: messages[0].content.
    const param = path.length ? path.map((k, i) => (typeof k === "number" ? `[${k}]` : `${i ? "." : ""}${String(k)}`)).join("") : null;
    throw new InvalidRequestError(`Invalid request: ${param ? `${param}: ` : ""}${message}`, { param });
  }
  return parsed.data;
}

/** The body's bytes; a body that stops arriving is the client's doing: it timed out (408) or hung up (499). */
async function readBody(c: Context, body: ReadableStream<Uint8Array>, declared: number, maxBytes: number, tooLarge: () => Error): Promise<Uint8Array> {
  // Set by the listening server (listen.ts); an app called without one (the unit tests) has none.
  const deadline = (c.env as Partial<ServerBindings> | undefined)?.bodyDeadline;
  try {
    return await readBounded(body, declared, maxBytes, tooLarge, deadline);
  } catch (err) {
    if (err instanceof PayloadTooLargeError) throw err;
    if (deadline?.aborted) {
      c.header("Connection", "close"); // the rest of the body may still come
      throw deadline.reason instanceof BodyTimeoutError ? deadline.reason : new BodyTimeoutError("The request body did not arrive in time.");
    }
    if (c.req.raw.signal.aborted || (err as NodeJS.ErrnoException).code === "ECONNRESET") throw new ClientGoneError();
    throw err;
  }
}

/**
 * The body's bytes, at most `maxBytes`, unless `deadline` fires first. With a declared length
 * they go straight into one buffer of that size, so a large body is held once rather than as
 * chunks and again as their copy.
 */
async function readBounded(
  body: ReadableStream<Uint8Array>,
  declared: number,
  maxBytes: number,
  tooLarge: () => Error,
  deadline: AbortSignal | undefined,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let into = declared > 0 ? Buffer.allocUnsafe(declared) : undefined;
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const next = reader.read();
    const { done, value: chunk } = await (deadline ? unlessAborted(next, deadline) : next);
    if (done) break;
    if (size + chunk.byteLength > maxBytes) throw tooLarge();
    if (into && size + chunk.byteLength <= into.byteLength) into.set(chunk, size);
    else {
      // More than declared (or nothing declared): collect the rest as chunks.
      if (into) chunks.push(into.subarray(0, size));
      into = undefined;
      chunks.push(chunk);
    }
    size += chunk.byteLength;
  }
  return into ? into.subarray(0, size) : Buffer.concat(chunks);
}

/**
 * A failed union says only "Invalid input"; the deepest failure among its options names
 * what is actually wrong (a function tool's name rather than the whole tool). Ties go to
 * the earlier option, which is the more specific kind.
 */
function mostSpecific(issue: z.core.$ZodIssue): { path: readonly PropertyKey[]; message: string } {
  if (issue.code !== "invalid_union") return issue;
  const inner = issue.errors
    .map((option) => option[0])
    .filter((i) => i !== undefined)
    .map(mostSpecific)
    .reduce<{ path: readonly PropertyKey[]; message: string } | undefined>((best, i) => (!best || i.path.length > best.path.length ? i : best), undefined);
  return inner ? { path: [...issue.path, ...inner.path], message: inner.message } : issue;
}
