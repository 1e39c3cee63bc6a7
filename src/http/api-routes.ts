/**
 * Every API route, listed once. Routing (key checks, CORS, error shapes), the request trace's
 * route labels (/metrics, the dashboard, the request log) and docs/api.md's endpoint table read
 * it; test/unit/api-routes.test.ts fails when a route file serves a path this table lacks.
 */

/** Which API a route belongs to: where it is mounted, how its key may be sent and the shape of its errors. */
export type ApiFamily = "openai" | "anthropic" | "ollama";

export interface ApiRoute {
  readonly method: "GET" | "POST" | "DELETE" | "HEAD";
  /** The path under each of its family's mounts, e.g. "/chat/completions"; `:name` is one segment. */
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
  { method: "POST", path: "/api/chat", family: "ollama" },
  { method: "POST", path: "/api/generate", family: "ollama" },
  { method: "GET", path: "/api/tags", family: "ollama" },
  { method: "POST", path: "/api/show", family: "ollama" },
  { method: "GET", path: "/api/ps", family: "ollama" },
  { method: "GET", path: "/api/version", family: "ollama" },
  // Ollama's endpoints that cannot exist here: each answers why (routes/ollama-refused.ts).
  { method: "POST", path: "/api/embed", family: "ollama" },
  { method: "POST", path: "/api/embeddings", family: "ollama" },
  { method: "POST", path: "/api/pull", family: "ollama" },
  { method: "POST", path: "/api/push", family: "ollama" },
  { method: "POST", path: "/api/create", family: "ollama" },
  { method: "POST", path: "/api/copy", family: "ollama" },
  { method: "DELETE", path: "/api/delete", family: "ollama" },
  { method: "HEAD", path: "/api/blobs/:digest", family: "ollama" },
  { method: "POST", path: "/api/blobs/:digest", family: "ollama" },
];

/** The canonical prefix: a route's label is its path under it, whichever mount the client used. */
const CANONICAL_MOUNT = "/v1";
export type ApiMount = typeof CANONICAL_MOUNT | "/";

/**
 * Where each family is served: OpenAI's and Anthropic's under /v1, and at the root for clients
 * whose base URL lacks /v1; Ollama's at the root only, as Ollama serves it (`/api/chat`).
 */
export const FAMILY_MOUNTS: Readonly<Record<ApiFamily, readonly ApiMount[]>> = {
  openai: [CANONICAL_MOUNT, "/"],
  anthropic: [CANONICAL_MOUNT, "/"],
  ollama: ["/"],
};

/** Every mount any family uses. */
export const API_MOUNTS: readonly ApiMount[] = [...new Set(Object.values(FAMILY_MOUNTS).flat())];

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
  const route = API_ROUTES.find((r) => FAMILY_MOUNTS[r.family].includes(inMount === undefined ? "/" : CANONICAL_MOUNT) && matches(r.path, inMount ?? path));
  if (route) return FAMILY_MOUNTS[route.family].includes(CANONICAL_MOUNT) ? `${CANONICAL_MOUNT}${route.path}` : route.path;
  return inMount === undefined ? undefined : `${CANONICAL_MOUNT}/unknown`;
}

/** The family whose scope holds a (normalised) request path, if any. */
export function apiFamily(path: string): ApiFamily | undefined {
  const inMount = underCanonicalMount(path);
  const mount: ApiMount = inMount === undefined ? "/" : CANONICAL_MOUNT;
  const segment = firstSegment(inMount ?? path);
  return API_ROUTES.find((r) => FAMILY_MOUNTS[r.family].includes(mount) && firstSegment(r.path) === segment)?.family;
}

/** Whether a path is the route's, each `:name` standing for one segment. */
function matches(routePath: string, path: string): boolean {
  const want = routePath.split("/");
  const have = path.split("/");
  return want.length === have.length && want.every((s, i) => (s.startsWith(":") ? (have[i] ?? "") !== "" : s === have[i]));
}

/** The path below /v1 ("" for /v1 itself), or undefined for a path outside it. */
function underCanonicalMount(path: string): string | undefined {
  return path === CANONICAL_MOUNT || path.startsWith(`${CANONICAL_MOUNT}/`) ? path.slice(CANONICAL_MOUNT.length) : undefined;
}

/** "/messages/count_tokens" -> "/messages"; "" for "". */
function firstSegment(path: string): string {
  return path.replace(/^(\/[^/]*).*$/, "$1");
}
