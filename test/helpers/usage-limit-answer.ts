import assert from "node:assert/strict";

/**
 * What a client sees for a ChatGPT usage limit, on either path: 429 upstream_rate_limit, a
 * Retry-After up to the reported reset (at most `windowSeconds` away), the reset time in the message.
 */
export async function assertUsageLimitAnswer(res: Response, resetsAt: number, windowSeconds: number): Promise<void> {
  assert.equal(res.status, 429);
  const body = (await res.json()) as { error: { message: string; code: string | null } };
  assert.equal(body.error.code, "upstream_rate_limit");
  const retryAfter = Number(res.headers.get("retry-after"));
  assert.ok(retryAfter > windowSeconds - 100 && retryAfter <= windowSeconds, `Retry-After ${retryAfter}`);
  assert.ok(body.error.message.includes(new Date(resetsAt * 1000).toISOString().slice(0, 16)), body.error.message);
}
