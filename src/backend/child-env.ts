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

/** The explicit environment for a Codex child: never PROXY_API_KEY, OPENAI_API_KEY or CODEX_API_KEY. */
export function codexChildEnv(parent: NodeJS.ProcessEnv, codexHome: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { CODEX_HOME: codexHome, NO_COLOR: "1", RUST_LOG: "error" };
  for (const name of PASSTHROUGH) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
