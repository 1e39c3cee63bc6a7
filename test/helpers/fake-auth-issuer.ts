import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createLogger } from "../../src/core/logger.ts";
import { startService } from "../../src/service.ts";
import { TEST_API_KEY, withTestLimits, type E2E, type TestLimits } from "./e2e-service.ts";
import { codexTestEnv, startEgressGuard } from "./egress-guard.ts";
import { FAKE_ACCOUNT_ID, fakeChatGptAuthJson } from "./fake-chatgpt-auth.ts";
import { createWireContract } from "./protocol-contract.ts";
import { startStandInUpstream } from "./stand-in-upstream.ts";

/**
 * A local stand-in for the OpenAI sign-in issuer and the two ChatGPT backend calls Codex 0.169.0
 * makes around a sign-in, on 127.0.0.1. The app-server is pointed at it with
 * CODEX_APP_SERVER_LOGIN_ISSUER (issuer) and `chatgpt_base_url` (backend). Endpoints, as the
 * pinned binary calls them (openai/codex codex-rs/login/src/device_code_auth.rs, server.rs):
 *   POST /api/accounts/deviceauth/usercode {client_id}        -> {device_auth_id, user_code, interval}
 *   POST /api/accounts/deviceauth/token {device_auth_id, user_code}
 *                                  -> 403 until approved, then {authorization_code, code_challenge, code_verifier}
 *   POST /oauth/token (form: grant_type=authorization_code, code, redirect_uri, client_id, code_verifier)
 *                                  -> {id_token, access_token, refresh_token}
 *   POST /oauth/token (grant_type=refresh_token; reached through CODEX_REFRESH_TOKEN_URL_OVERRIDE)
 *                                  -> 401 refresh_token_invalidated once revoke() was called, else fresh tokens
 *   GET  /backend-api/wham/accounts/check  (workspace routing, needed for the sign-in to count as a success)
 *   GET  /backend-api/wham/usage           (account/rateLimits/read)
 * The tokens are the fabricated ones of fake-chatgpt-auth.ts: nothing here works anywhere else.
 */
export interface FakeAuthIssuer {
  /** Base URL for CODEX_APP_SERVER_LOGIN_ISSUER. */
  readonly url: string;
  /** Base URL for `chatgpt_base_url`. */
  readonly chatgptBaseUrl: string;
  /** The user code of the latest device-code request, once there is one. */
  readonly userCode: string | undefined;
  /** "METHOD /path" of every request, in order. */
  readonly requests: readonly string[];
  /** The user approves the code in the browser: the next token poll succeeds. */
  approve(): void;
  /** The user declines: the next token poll fails. */
  deny(): void;
  /** The login is revoked upstream: token refreshes are refused from now on. */
  revoke(): void;
  close(): Promise<void>;
}

/** Plan and account of the fabricated login (fake-chatgpt-auth.ts). */
export { FAKE_ACCOUNT_ID };
export const FAKE_USAGE = { primaryPercent: 42, primaryWindowSeconds: 18_000, secondaryPercent: 7, secondaryWindowSeconds: 604_800, resetsAt: 1_900_000_000 };

export async function startFakeAuthIssuer(): Promise<FakeAuthIssuer> {
  const requests: string[] = [];
  let device: { id: string; userCode: string; decision: "pending" | "approved" | "denied" } | undefined;
  const grant = { code: `code-${randomBytes(6).toString("hex")}`, verifier: randomBytes(32).toString("base64url") };
  let base = "";
  let revoked = false;

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const route = `${req.method ?? "?"} ${(req.url ?? "").split("?")[0] ?? ""}`;
      requests.push(route);
      const json = (status: number, value: object) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(value));
      };
      switch (route) {
        case "POST /api/accounts/deviceauth/usercode": {
          const clientId = (parseJson(body) as { client_id?: unknown }).client_id;
          if (typeof clientId !== "string" || !clientId) return json(400, { error: "client_id required" });
          device = { id: `dev-${randomBytes(6).toString("hex")}`, userCode: userCode(), decision: "pending" };
          // Codex reads the interval as a string of seconds.
          return json(200, { device_auth_id: device.id, user_code: device.userCode, interval: "1" });
        }
        case "POST /api/accounts/deviceauth/token": {
          const poll = parseJson(body) as { device_auth_id?: unknown; user_code?: unknown };
          if (!device || poll.device_auth_id !== device.id || poll.user_code !== device.userCode) return json(400, { error: "unknown device code" });
          if (device.decision === "pending") return json(403, { error: "authorization_pending" });
          if (device.decision === "denied") return json(400, { error: "access_denied" });
          return json(200, { authorization_code: grant.code, code_challenge: "unused-challenge", code_verifier: grant.verifier });
        }
        case "POST /oauth/token": {
          const form = new URLSearchParams(body);
          const refresh = (parseJson(body) as { grant_type?: unknown }).grant_type === "refresh_token" || form.get("grant_type") === "refresh_token";
          if (refresh && revoked) {
            return json(401, { error: { code: "refresh_token_invalidated", message: "Your refresh token has been invalidated." } });
          }
          if (refresh) return json(200, (JSON.parse(fakeChatGptAuthJson()) as { tokens: object }).tokens);
          const valid =
            form.get("grant_type") === "authorization_code" &&
            form.get("code") === grant.code &&
            form.get("code_verifier") === grant.verifier &&
            form.get("redirect_uri") === `${base}/deviceauth/callback` &&
            Boolean(form.get("client_id"));
          if (!valid) return json(400, { error: "invalid_grant" });
          const { tokens } = JSON.parse(fakeChatGptAuthJson()) as { tokens: { id_token: string; access_token: string; refresh_token: string } };
          return json(200, { ...tokens, expires_in: 3600 });
        }
        case "GET /backend-api/wham/accounts/check":
          return json(200, {
            accounts: [
              {
                id: FAKE_ACCOUNT_ID,
                name: null,
                structure: "personal",
                workspace_backend_origin: "https://chatgpt.com",
                account_routing_override: "NO_CONSTRAINT",
              },
            ],
            account_ordering: [FAKE_ACCOUNT_ID],
          });
        case "GET /backend-api/wham/usage":
          return json(200, {
            plan_type: "plus",
            rate_limit: {
              allowed: true,
              limit_reached: false,
              primary_window: { used_percent: FAKE_USAGE.primaryPercent, limit_window_seconds: FAKE_USAGE.primaryWindowSeconds, reset_after_seconds: 600, reset_at: FAKE_USAGE.resetsAt },
              secondary_window: { used_percent: FAKE_USAGE.secondaryPercent, limit_window_seconds: FAKE_USAGE.secondaryWindowSeconds, reset_after_seconds: 6000, reset_at: FAKE_USAGE.resetsAt + 100_000 },
            },
          });
        default:
          return json(404, { error: "not found" });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    chatgptBaseUrl: `${base}/backend-api`,
    get userCode() {
      return device?.userCode;
    },
    requests,
    approve() {
      if (device) device.decision = "approved";
    },
    deny() {
      if (device) device.decision = "denied";
    },
    revoke() {
      revoked = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

function userCode(): string {
  const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ";
  const pick = () => letters[randomBytes(1)[0]! % letters.length];
  return `${[0, 1, 2, 3].map(pick).join("")}-${[0, 1, 2, 3, 4].map(pick).join("")}`;
}

/**
 * The operator's config.toml for these tests: a model provider that needs the ChatGPT login
 * (so signing in and out matters) but answers from the stand-in upstream, and the ChatGPT
 * backend at the fake issuer.
 */
export function signInCodexConfig(upstreamBaseUrl: string, chatgptBaseUrl: string): string {
  return [
    'model_provider = "standin"',
    'model = "stand-in-model"',
    `chatgpt_base_url = "${chatgptBaseUrl}"`,
    "[model_providers.standin]",
    'name = "stand-in"',
    `base_url = "${upstreamBaseUrl}"`,
    'wire_api = "responses"',
    "requires_openai_auth = true",
    "",
  ].join("\n");
}

export interface SignInE2E extends E2E {
  readonly issuer: FakeAuthIssuer;
  readonly codexHome: string;
}

/**
 * The real service and pinned binary, like startE2E, plus the fake issuer: its address reaches
 * the app-server through CODEX_APP_SERVER_LOGIN_ISSUER and CODEX_REFRESH_TOKEN_URL_OVERRIDE,
 * given to the Codex child through the service's test-only `childEnv` hook.
 */
export async function startSignInE2E(options: { env?: Record<string, string>; limits?: TestLimits; signedIn?: boolean; issuerUnreachable?: boolean } = {}): Promise<SignInE2E> {
  const contract = await createWireContract(); // the login messages are checked against the pinned schema too
  const upstream = await startStandInUpstream();
  const egress = await startEgressGuard();
  const issuer = await startFakeAuthIssuer();
  const dataDir = mkdtempSync(path.join(tmpdir(), "ccp-signin-"));
  const codexHome = path.join(dataDir, "codex-home");
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(codexHome, "config.toml"), signInCodexConfig(upstream.baseUrl, issuer.chatgptBaseUrl));
  if (options.signedIn) writeFileSync(path.join(codexHome, "auth.json"), fakeChatGptAuthJson(), { mode: 0o600 });
  const config = withTestLimits(loadConfig({ DATA_DIR: dataDir, PORT: "0", PROXY_API_KEY: TEST_API_KEY, LOG_LEVEL: "debug", ...options.env }), options.limits);
  const logs: string[] = [];
  // issuerUnreachable: Codex's default issuer, auth.openai.com, which the egress guard refuses (a machine offline).
  const childEnv = options.issuerUnreachable ? {} : { CODEX_APP_SERVER_LOGIN_ISSUER: issuer.url, CODEX_REFRESH_TOKEN_URL_OVERRIDE: `${issuer.url}/oauth/token` };
  const service = await startService(config, codexTestEnv(dataDir, egress), createLogger("debug", (l) => logs.push(l)), {
    wireTap: contract.observe,
    childEnv,
  });
  return {
    service,
    upstream,
    egress,
    issuer,
    baseURL: `${service.url}/v1`,
    dataDir,
    codexHome,
    logs,
    contract,
    async close() {
      await service.stop(0);
      await Promise.all([upstream.close(), egress.close(), issuer.close()]);
      rmSync(dataDir, { recursive: true, force: true });
      contract.assertClean();
    },
  };
}
