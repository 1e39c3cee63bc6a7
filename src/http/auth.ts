import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import type { Config } from "../config.ts";
import { AuthenticationError } from "../errors.ts";

const digest = (value: string) => createHash("sha256").update(value).digest();

/** Where the operator finds the key, as a 401 names it: the configured key file, or PROXY_API_KEY. */
export function keyLocation(config: Pick<Config, "proxyApiKey" | "proxyApiKeyFile">): string {
  return config.proxyApiKey ? "the PROXY_API_KEY setting" : config.proxyApiKeyFile;
}

/**
 * Bearer check in constant time (digests make the lengths equal); 401s carry WWW-Authenticate.
 * With `acceptApiKeyHeader` (the Messages API), Anthropic's `x-api-key` header may carry the same key.
 */
export function bearerAuth(key: string, location: string, acceptApiKeyHeader = false): MiddlewareHandler {
  const expected = digest(key);
  return async (c, next) => {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    const apiKey = acceptApiKeyHeader && !match ? c.req.header("x-api-key")?.trim() : undefined;
    if (apiKey) {
      if (!timingSafeEqual(digest(apiKey), expected)) throw new AuthenticationError("Incorrect API key provided.");
      return next();
    }
    if (!match?.[1]) {
      const how = acceptApiKeyHeader ? "'Authorization: Bearer <key>' or 'x-api-key: <key>'" : "'Authorization: Bearer <key>'";
      throw new AuthenticationError(`Missing bearer token: send ${how} (the key is in ${location}).`);
    }
    if (!timingSafeEqual(digest(match[1].trim()), expected)) {
      throw new AuthenticationError("Incorrect API key provided.");
    }
    await next();
  };
}
