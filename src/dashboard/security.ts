import type { MiddlewareHandler } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { isLoopbackHost } from "../core/loopback.ts";
import { ForbiddenError, NotFoundError } from "../errors.ts";

/** Strict headers for every dashboard response: no inline script, no framing, nothing cached or referred. */
export const dashboardHeaders: MiddlewareHandler = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    baseUri: ["'none'"],
    formAction: ["'none'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "no-referrer",
  xFrameOptions: "DENY",
  crossOriginResourcePolicy: "same-origin",
  crossOriginOpenerPolicy: "same-origin",
  strictTransportSecurity: false, // plain HTTP on loopback: HSTS would only confuse browsers
});

export const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.header("Cache-Control", "no-store");
};

/** The page answers only under a loopback Host (or the configured bind address), defeating DNS rebinding. */
export function localHostOnly(configuredHost: string): MiddlewareHandler {
  return async (c, next) => {
    const host = (c.req.header("host") ?? "").replace(/:\d+$/, "").toLowerCase();
    // Any other Host is a DNS-rebinding attempt or a misroute.
    if (!isLoopbackHost(host) && host !== configuredHost.toLowerCase()) {
      throw new NotFoundError("The dashboard is served on the loopback address only (e.g. http://127.0.0.1:8320/dashboard/).");
    }
    await next();
  };
}

/**
 * Actions refuse cross-origin requests: a browser always sends Origin on a POST, and it must be
 * this page's own origin. A client without Origin (curl) still needs the bearer key.
 */
export const sameOriginOnly: MiddlewareHandler = async (c, next) => {
  const origin = c.req.header("origin");
  const site = c.req.header("sec-fetch-site");
  const own = new URL(c.req.url).origin;
  if ((origin !== undefined && origin !== own) || (site !== undefined && site !== "same-origin" && site !== "none")) {
    throw new ForbiddenError("Cross-origin requests to the dashboard's actions are refused.");
  }
  await next();
};
