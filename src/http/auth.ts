import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AuthenticationError } from "../errors.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Bearer check in constant time (digests make the lengths equal); 401s carry WWW-Authenticate. */
export function bearerAuth(key: string): MiddlewareHandler {
  const expected = digest(key);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match?.[1]) {
      throw new AuthenticationError("Missing bearer token: send 'Authorization: Bearer <key>' (the key is in data/secrets/proxy_api_key).");
    }
    if (!timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new AuthenticationError("Incorrect API key provided.");
    }
    await next();
  };
}
