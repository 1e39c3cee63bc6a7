import type { Context } from "hono";
import type { z } from "zod";
import { InvalidJsonError, InvalidRequestError, PayloadTooLargeError } from "../errors.ts";

/** Reads at most `maxBytes` of the body, parses JSON and validates it; every failure is an OpenAI-shaped 4xx. */
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
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks)));
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
