import type { z } from "zod";
import type { accountReadResult, authStatusResult } from "./app-server-protocol.ts";
import type { AccountStatus } from "./types.ts";

const USABLE: AccountStatus = { usable: true, problem: undefined };
const API_KEY_REFUSED: AccountStatus = {
  usable: false,
  problem: "Codex is signed in with an API key; this adapter only uses a ChatGPT sign-in (run `npm run login`)",
};
const NOT_SIGNED_IN: AccountStatus = {
  usable: false,
  problem: "Codex is not signed in: run `npm run login` to sign in with ChatGPT",
};

/** From `account/read`: usable with a ChatGPT account, or when the provider needs no OpenAI auth. */
export function describeAccount(result: z.infer<typeof accountReadResult>): AccountStatus {
  if (result.account?.type === "apiKey") return API_KEY_REFUSED;
  if (!result.requiresOpenaiAuth || result.account?.type === "chatgpt") return USABLE;
  return NOT_SIGNED_IN;
}

/** From the offline `getAuthStatus`, used when `account/read` cannot reach the ChatGPT backend. */
export function describeAuthStatus(result: z.infer<typeof authStatusResult>): AccountStatus {
  if (result.authMethod === "apikey") return API_KEY_REFUSED;
  if (result.requiresOpenaiAuth === false || result.authMethod === "chatgpt") return USABLE;
  return NOT_SIGNED_IN;
}
