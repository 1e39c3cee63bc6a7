import type { IncomingHttpHeaders } from "node:http";

/**
 * What the relay refuses before anything is forwarded: browser requests, and request targets that
 * would leave the configured backend's origin and base path. Codex's own calls are plain paths
 * under the base (`wham/usage`, `codex/analytics-events/events?...`); anything else is refused.
 */

/** The backend as the relay forwards to it: no query or fragment, its path ending in `/`. */
export function relayBase(target: URL): URL {
  const base = new URL(target.href);
  base.search = "";
  base.hash = "";
  if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
  return base;
}

/**
 * Headers only a browser sends: a web page can reach 127.0.0.1 (a loopback Host passes), Codex
 * (reqwest) sends none of these. Node's own fetch sends `sec-fetch-mode` too, and is refused alike.
 */
const BROWSER_HEADERS = ["origin", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "sec-fetch-user"] as const;

export function isBrowserRequest(headers: IncomingHttpHeaders): boolean {
  return BROWSER_HEADERS.some((name) => headers[name] !== undefined);
}

export type RelayTarget =
  | { readonly ok: true; readonly route: string; readonly url: URL }
  | { readonly ok: false; readonly status: 400 | 404; readonly reason: string };

/**
 * A path segment Codex sends: unreserved characters only, and not a dot segment. This alone refuses
 * `%` (every encoded trick), `\`, `@`, `:` (a scheme), control characters, spaces and non-ASCII.
 */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
const DOTS_ONLY = /^\.+$/;
/** RFC 3986 query characters, percent-escapes well formed; no `#`, space or control character. */
const QUERY = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

const refuse = (status: 400 | 404, reason: string): RelayTarget => ({ ok: false, status, reason });

/**
 * Where a request target (`req.url`, as it came on the wire) is forwarded, or why it is not: 404 when
 * it is not a path under the base, 400 when the path under the base is not a plain one. The URL is
 * built on the base and checked again after resolution: same origin and exactly base path + route,
 * so even a rule above that let something through could not send the request anywhere else.
 */
export function resolveRelayTarget(base: URL, requestTarget: string): RelayTarget {
  const prefix = base.pathname;
  // Origin-form only: absolute-form (`http://host/...`) and `*` are not calls under the base.
  if (!requestTarget.startsWith("/")) return refuse(404, "not a path");
  const mark = requestTarget.indexOf("?");
  const path = mark === -1 ? requestTarget : requestTarget.slice(0, mark);
  const query = mark === -1 ? undefined : requestTarget.slice(mark + 1);
  if (!path.startsWith(prefix)) return refuse(404, "outside the backend's base path");
  const route = path.slice(prefix.length);
  if (route === "") return refuse(404, "the base path itself");
  const segments = route.split("/");
  // A trailing `/` is a plain path; an empty segment anywhere else is a protocol-relative trick.
  if (segments.at(-1) === "") segments.pop();
  if (!segments.every((s) => SEGMENT.test(s) && !DOTS_ONLY.test(s))) return refuse(400, "not a plain path");
  if (query !== undefined && !QUERY.test(query)) return refuse(400, "not a plain query");

  const url = new URL(base.href);
  url.pathname = prefix + route;
  url.search = query ?? "";
  const same =
    url.origin === base.origin &&
    url.protocol === base.protocol &&
    url.host === base.host &&
    url.username === base.username &&
    url.password === base.password &&
    url.pathname.startsWith(prefix) &&
    url.pathname === prefix + route &&
    url.hash === "";
  if (!same) return refuse(404, "resolves outside the backend");
  return { ok: true, route, url };
}
