/** Variables passed through to Codex; everything else (API keys above all) stays out. */
const PASSTHROUGH = [
  "PATH",
  "HOME",
  "USER",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
] as const;

/**
 * Codex's overrides of the sign-in issuer and of the token-refresh endpoint (the end-to-end tests'
 * fake issuer). Passed only when they name an http(s) address on this machine's loopback: a stray
 * value can never send the sign-in, the address the operator is asked to open, or the refresh
 * token to another host.
 */
const LOOPBACK_ONLY = ["CODEX_APP_SERVER_LOGIN_ISSUER", "CODEX_REFRESH_TOKEN_URL_OVERRIDE"] as const;

/** The explicit environment for a Codex child: never PROXY_API_KEY, OPENAI_API_KEY or CODEX_API_KEY. */
export function codexChildEnv(parent: NodeJS.ProcessEnv, codexHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CODEX_HOME: codexHome, NO_COLOR: "1", RUST_LOG: "error" };
  for (const name of PASSTHROUGH) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  for (const name of LOOPBACK_ONLY) {
    const value = parent[name];
    if (value !== undefined && isLoopbackUrl(value)) env[name] = value;
  }
  return env;
}

export function isLoopbackUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password && isLoopbackHost(url.hostname);
  } catch {
    return false;
  }
}

export function isLoopbackHost(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}
