/** The account id of the fabricated login (the ChatGPT backend stand-ins route this account). */
export const FAKE_ACCOUNT_ID = "acct-test";
/** The fabricated login's tokens: every end-to-end service checks that no log line holds them. */
export const FAKE_ACCESS_TOKEN = "fake-access-token";
export const FAKE_REFRESH_TOKEN = "fake-refresh-token";

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** An `auth.json` shaped like a ChatGPT sign-in, with an unsigned id token valid for an hour. Nothing in it works upstream. */
export function fakeChatGptAuthJson(): string {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const idToken = [
    b64url({ alg: "none", typ: "JWT" }),
    b64url({
      exp,
      email: "tester@example.invalid",
      "https://api.openai.com/auth": { chatgpt_plan_type: "plus", chatgpt_account_id: FAKE_ACCOUNT_ID },
    }),
    "sig",
  ].join(".");
  return JSON.stringify({
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: { id_token: idToken, access_token: FAKE_ACCESS_TOKEN, refresh_token: FAKE_REFRESH_TOKEN, account_id: FAKE_ACCOUNT_ID },
    last_refresh: new Date().toISOString(),
  });
}
