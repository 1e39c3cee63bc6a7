import type { z } from "zod";
import type { accountReadResult } from "./app-server-protocol.ts";
import type { AccountStatus } from "./types.ts";

/** Whether Codex's own account state allows answering: ChatGPT sign-in, or a provider that needs no OpenAI auth. */
export function describeAccount(result: z.infer<typeof accountReadResult>): AccountStatus {
  if (result.account?.type === "apiKey") {
    return { usable: false, problem: "Codex is signed in with an API key; this adapter only uses a ChatGPT sign-in (run `npm run login`)" };
  }
  if (!result.requiresOpenaiAuth || result.account?.type === "chatgpt") return { usable: true, problem: undefined };
  return { usable: false, problem: "Codex is not signed in: run `npm run login` to sign in with ChatGPT" };
}
