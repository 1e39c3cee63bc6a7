import { chatGptCodexConfig, tokenRefreshEnv } from "./chatgpt-codex-home.ts";
import { startServiceE2E, type ServiceE2E } from "./e2e-service.ts";
import { fakeChatGptAuthJson } from "./fake-chatgpt-auth.ts";
import { startStandInChatGptBackend, type StandInChatGptBackend, type StandInChatGptOptions } from "./stand-in-chatgpt-backend.ts";

export interface ChatGptE2E extends ServiceE2E {
  readonly backend: StandInChatGptBackend;
}

export interface ChatGptE2EOptions {
  /** Extra adapter environment (limits, timeouts). */
  readonly env?: Readonly<Record<string, string>>;
  readonly backend?: StandInChatGptOptions;
  /**
   * Pin the model base (`openai_base_url`) to the stand-in (default true): then `codex/models`
   * reaches it too. False leaves Codex's default base, so the catalog fetch meets the egress
   * guard and the model stream follows workspace routing to the origin accounts/check names.
   */
  readonly pinModelBase?: boolean;
}

/**
 * The real service and pinned binary on the path users run: Codex's built-in provider with a
 * (fabricated) ChatGPT login, its ChatGPT backend at the stand-in (`chatgpt_base_url`), the
 * stand-in's CA as the only trusted one, and token refreshes at the stand-in.
 */
export async function startChatGptE2E(options: ChatGptE2EOptions = {}): Promise<ChatGptE2E> {
  let backend: StandInChatGptBackend | undefined;
  const core = await startServiceE2E(async () => {
    const started = await startStandInChatGptBackend(options.backend);
    backend = started;
    const config = chatGptCodexConfig({
      chatgptBaseUrl: started.baseUrl,
      ...(options.pinModelBase === false ? {} : { openaiBaseUrl: started.modelBaseUrl }),
    });
    return {
      ...(options.env ? { env: options.env } : {}),
      codexHomeFiles: { "config.toml": config, "auth.json": fakeChatGptAuthJson() },
      parentEnv: { SSL_CERT_FILE: started.caFile },
      childEnv: tokenRefreshEnv(started.tokenRefreshUrl),
      cleanup: () => started.close(),
    };
  });
  if (!backend) throw new Error("the stand-in ChatGPT backend did not start");
  return { ...core, backend };
}

