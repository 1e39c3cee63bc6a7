/**
 * Every API route, listed once. Routing (key checks, CORS, error shapes), the request trace's
 * route labels (/metrics, the dashboard, the request log) and docs/api.md's endpoint table read
 * it; test/unit/api-routes.test.ts fails when a route file serves a path this table lacks.
 */

/** Which API a route belongs to: how its key may be sent and the shape of its errors. */
export type ApiFamily = "openai" | "anthropic";

export interface ApiRoute {
  readonly method: "GET" | "POST";
  /** The path under each of API_MOUNTS, e.g. "/chat/completions". */
  readonly path: string;
  readonly family: ApiFamily;
}

export const API_ROUTES: readonly ApiRoute[] = [
  { method: "GET", path: "/models", family: "openai" },
  { method: "POST", path: "/chat/completions", family: "openai" },
  { method: "POST", path: "/responses", family: "openai" },
  { method: "GET", path: "/usage", family: "openai" },
  { method: "POST", path: "/messages", family: "anthropic" },
  { method: "POST", path: "/messages/count_tokens", family: "anthropic" },
];

/** The canonical prefix: a route's label is its path under it, whichever mount the client used. */
const CANONICAL_MOUNT = "/v1";
/** Where the routes are served: under /v1, and at the root for clients whose base URL lacks /v1. */
export const API_MOUNTS = [CANONICAL_MOUNT, "/"] as const;

/**
 * A route's scope is its first segment and every path below it (Hono's `/chat/*` also matches
 * `/chat`): its family's key check and error shape cover the scope, so an unknown path there
 * (e.g. `/v1/messages/batches`) is refused the way that API refuses.
 */
export const API_SCOPES: readonly { readonly pattern: string; readonly family: ApiFamily }[] = [
  ...new Map(API_ROUTES.map((r) => [`${firstSegment(r.path)}/*`, r.family])),
].map(([pattern, family]) => ({ pattern, family }));

/** The route label for metrics, the dashboard and the log; `/v1/unknown` for other /v1 paths; undefined outside the API. */
export function routeLabel(path: string): string | undefined {
  const inMount = underCanonicalMount(path);
  const bare = inMount ?? path;
  if (API_ROUTES.some((r) => r.path === bare)) return `${CANONICAL_MOUNT}${bare}`;
  return inMount === undefined ? undefined : `${CANONICAL_MOUNT}/unknown`;
}

/** The family whose scope holds a (normalised) request path, if any. */
export function apiFamily(path: string): ApiFamily | undefined {
  const segment = firstSegment(underCanonicalMount(path) ?? path);
  return API_ROUTES.find((r) => firstSegment(r.path) === segment)?.family;
}

/** The path below /v1 ("" for /v1 itself), or undefined for a path outside it. */
function underCanonicalMount(path: string): string | undefined {
  return path === CANONICAL_MOUNT || path.startsWith(`${CANONICAL_MOUNT}/`) ? path.slice(CANONICAL_MOUNT.length) : undefined;
}

/** "/messages/count_tokens" -> "/messages"; "" for "". */
function firstSegment(path: string): string {
  return path.replace(/^(\/[^/]*).*$/, "$1");
}
