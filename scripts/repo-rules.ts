import path from "node:path";

/**
 * Repository hygiene: paths that must never be committed, and text that has the shape of a
 * real credential. Content rules match issued formats (prefixes, JWT structure, PEM headers,
 * auth.json fields), not "long random strings", so the tests' made-up bearer keys pass
 * without an allowlist. The adapter's own bearer key has no recognisable format; it is
 * kept out by the path rules (data/, proxy_api_key).
 */

export interface RepoViolation {
  readonly path: string;
  /** 1-based line of a content finding; the matched text is never reported. */
  readonly line?: number;
  readonly rule: RepoRule;
  readonly message: string;
}

/** The one environment file meant to be shared: every line in it is a commented-out default. */
const SHARED_ENV_FILES: ReadonlySet<string> = new Set([".env.example"]);

interface PathRule {
  readonly rule: string;
  readonly matches: (file: string, name: string) => boolean;
  readonly message: string;
}

const PATH_RULES = [
  {
    rule: "env-file",
    matches: (_file, name) => /^\.env(?:\..+)?$/.test(name) && !SHARED_ENV_FILES.has(name),
    message: "environment files hold local settings and keys; only .env.example is shared",
  },
  {
    rule: "data-dir",
    matches: (file) => file.startsWith("data/"),
    message: "data/ holds the Codex login, the work directory and the bearer key",
  },
  {
    rule: "codex-auth",
    matches: (file, name) => name === "auth.json" || file.split("/").includes(".codex"),
    message: "a Codex login (auth.json) or Codex home file",
  },
  {
    rule: "codex-session",
    matches: (file, name) =>
      /^rollout-.*\.jsonl$/.test(name) || name === "history.jsonl" || (file.split("/").includes("sessions") && name.endsWith(".jsonl")),
    message: "Codex session and history files hold prompts and answers",
  },
  {
    rule: "key-file",
    matches: (_file, name) => name === "proxy_api_key" || /\.(?:pem|key|p12|pfx)$/.test(name) || /^id_(?:rsa|ecdsa|ed25519)$/.test(name),
    message: "a key file",
  },
] as const satisfies readonly PathRule[];

const SECRET_PATTERNS = [
  {
    rule: "openai-api-key",
    pattern: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}|\bsk-[A-Za-z0-9]{20,}T3BlbkFJ[A-Za-z0-9]{20,}/,
    message: "looks like an OpenAI API key",
  },
  {
    rule: "jwt",
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/,
    message: "looks like a signed JWT (ChatGPT id and access tokens are JWTs)",
  },
  {
    rule: "private-key",
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/,
    message: "contains a PEM private key",
  },
  {
    rule: "oauth-token",
    pattern: /"(?:refresh_token|access_token|id_token)"\s*:\s*"[^"\s]{20,}"/,
    message: "contains an OAuth token field with a value, as in Codex's auth.json",
  },
  {
    rule: "github-token",
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})/,
    message: "looks like a GitHub token",
  },
  {
    rule: "aws-access-key",
    pattern: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/,
    message: "looks like an AWS access key id",
  },
] as const;

export type RepoRule = (typeof PATH_RULES)[number]["rule"] | (typeof SECRET_PATTERNS)[number]["rule"];
export const REPO_RULES: readonly RepoRule[] = [...PATH_RULES.map((r) => r.rule), ...SECRET_PATTERNS.map((r) => r.rule)];

/** Violations of the path rules for one repository-relative, slash-separated path. */
export function checkRepoPath(file: string): RepoViolation[] {
  const name = path.posix.basename(file);
  return PATH_RULES.filter((r) => r.matches(file, name)).map(({ rule, message }) => ({ path: file, rule, message }));
}

/** Credential-shaped text in a file's content, one finding per rule and line. Binary files are skipped. */
export function checkRepoContent(file: string, text: string): RepoViolation[] {
  if (text.includes("\u0000")) return [];
  return text.split("\n").flatMap((lineText, index) =>
    SECRET_PATTERNS.filter(({ pattern }) => pattern.test(lineText)).map(({ rule, message }) => ({
      path: file,
      line: index + 1,
      rule,
      message,
    })),
  );
}

/** One output line: path, line and rule; never the matched text. */
export function formatRepoViolation(v: RepoViolation): string {
  return `${v.path}${v.line === undefined ? "" : `:${v.line}`}: [${v.rule}] ${v.message}`;
}
