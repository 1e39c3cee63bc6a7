import type { InstallLayout } from "./install-layout.ts";

/** How the operator runs the adapter; it decides which commands the log lines and error messages name. */
export const DEPLOYMENTS = ["local", "docker"] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** The sign-in commands as the operator types them. */
export interface OperatorCommands {
  readonly login: string;
  readonly status: string;
  readonly logout: string;
}

const named = (prefix: string): OperatorCommands => ({ login: `${prefix} login`, status: `${prefix} status`, logout: `${prefix} logout` });

/**
 * A checkout has npm scripts; an installed package has the `codex-cli-provider` command; the
 * image has no npm, and its entry point is that command, so a one-off container of the compose
 * service runs it (docs/docker.md).
 */
export function operatorCommands(deployment: Deployment, install: InstallLayout["kind"]): OperatorCommands {
  if (deployment === "docker") return named("docker compose run --rm codex-cli-provider");
  if (install === "package") return named("codex-cli-provider");
  return { login: "npm run login", status: "npm run login:status", logout: "npm run logout" };
}
