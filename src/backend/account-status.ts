import type { z } from "zod";
import type { accountReadResult, authStatusResult } from "./app-server-protocol.ts";
import type { AccountStatus } from "./types.ts";

/** Codex's own view of its login, from `account/read` or the offline `getAuthStatus`. */
export interface CodexAccountView {
  /** Codex's AuthMode names: "chatgpt", "apikey", ...; null when not signed in. */
  readonly authMode: string | null;
  readonly planType: string | null;
  readonly requiresOpenaiAuth: boolean;
}

/** What the adapter knows beyond Codex's cached view (Codex reads auth.json only when it starts). */
export interface LoginEvidence {
  /** auth.json is gone from CODEX_HOME although Codex still holds the login it loaded. */
  readonly fileRemoved: boolean;
  /** The upstream refused the login even after Codex's own token refresh. */
  readonly rejected: boolean;
  /** Codex held a ChatGPT login earlier in this run and dropped it without a sign-out through the adapter. */
  readonly ended: boolean;
}

const USABLE: AccountStatus = { usable: true, problem: undefined };
const unusable = (problem: string): AccountStatus => ({ usable: false, problem });

/** Why a login is not usable, each naming `login`: the sign-in command where the adapter runs (Config.commands). */
const problems = (login: string) => ({
  apiKeyRefused: () => unusable(`Codex is signed in with an API key; this adapter only uses a ChatGPT sign-in (run \`${login}\`)`),
  notSignedIn: () => unusable(`Codex is not signed in: sign in with ChatGPT from the dashboard (/dashboard/) or with \`${login}\``),
  removed: () => unusable(`the Codex login was removed (auth.json is gone from CODEX_HOME): sign in again with \`${login}\` or from the dashboard`),
  rejected: () =>
    unusable(`ChatGPT refused the Codex login (expired or revoked) even after Codex tried to refresh it: sign in again with \`${login}\` or from the dashboard`),
  ended: () => unusable(`Codex's ChatGPT login ended (expired, revoked or signed out elsewhere): sign in again with \`${login}\` or from the dashboard`),
});
const NO_EVIDENCE: LoginEvidence = { fileRemoved: false, rejected: false, ended: false };

export function viewFromAccountRead(result: z.infer<typeof accountReadResult>): CodexAccountView {
  const type = result.account?.type ?? null;
  return {
    // account/read says "apiKey" where the rest of the protocol (AuthMode) says "apikey".
    authMode: type === "apiKey" ? "apikey" : type,
    planType: result.account?.planType ?? null,
    requiresOpenaiAuth: result.requiresOpenaiAuth,
  };
}

export function viewFromAuthStatus(result: z.infer<typeof authStatusResult>): CodexAccountView {
  return { authMode: result.authMethod, planType: null, requiresOpenaiAuth: result.requiresOpenaiAuth !== false };
}

/**
 * Codex's view of its ChatGPT login counts only while auth.json is there and the upstream has not
 * refused it. A problem names `login`, the sign-in command where the adapter runs.
 */
export function describeView(view: CodexAccountView, login: string, evidence: LoginEvidence = NO_EVIDENCE): AccountStatus {
  const problem = problems(login);
  if (view.authMode === "apikey") return problem.apiKeyRefused();
  if (view.authMode === "chatgpt") {
    if (evidence.fileRemoved) return problem.removed();
    if (evidence.rejected) return problem.rejected();
    return USABLE;
  }
  if (!view.requiresOpenaiAuth) return USABLE;
  // After a permanent refresh failure Codex itself reports no login, while auth.json stays.
  if (evidence.rejected) return problem.rejected();
  return evidence.ended ? problem.ended() : problem.notSignedIn();
}
