import type { OperatorCommands } from "../operator-commands.ts";
import { BackendError } from "./backend-error.ts";
import type { AccountFeed, ModelSource, SignInService } from "./types.ts";

/**
 * Sign-in for the exec backend, which cannot run Codex's device-code flow (no long-lived child):
 * the operator signs in and out at a terminal, and the dashboard's actions answer with the commands.
 */
export function terminalSignIn(commands: OperatorCommands): SignInService {
  const refuse = () =>
    Promise.reject(
      new BackendError(
        "unavailable",
        `Signing in or out from the dashboard needs the app-server backend (CODEX_BACKEND=app-server); with the exec backend use \`${commands.login}\` and \`${commands.logout}\`.`,
      ),
    );
  return { startLogin: refuse, cancelLogin: refuse, logout: refuse, loginState: () => ({ status: "idle" }) };
}

/** No catalog to read: /v1/models lists the alias only, and a requested model id goes to Codex as it is. */
export const NO_MODEL_SOURCE: ModelSource = { listModels: () => Promise.resolve([]), configuredModel: () => undefined };

/** Nothing pushed: no usage-limit headers, and login changes are seen by the next check instead of announced. */
export const NO_ACCOUNT_FEED: AccountFeed = { usageLimits: () => undefined, onAccountChanged: () => () => undefined };
