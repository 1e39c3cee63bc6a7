/** How the operator runs the adapter; it decides which commands the log lines and error messages name. */
export const DEPLOYMENTS = ["local", "docker"] as const;
export type Deployment = (typeof DEPLOYMENTS)[number];

/** The sign-in commands as the operator types them. */
export interface OperatorCommands {
  readonly login: string;
  readonly status: string;
  readonly logout: string;
}

/** The image has no npm: there, src/cli.ts runs in a one-off container of the compose service (docs/docker.md). */
const IN_IMAGE = "docker compose run --rm codex-cli-provider node --import tsx src/cli.ts";

export function operatorCommands(deployment: Deployment): OperatorCommands {
  if (deployment === "docker") return { login: `${IN_IMAGE} login`, status: `${IN_IMAGE} status`, logout: `${IN_IMAGE} logout` };
  return { login: "npm run login", status: "npm run login:status", logout: "npm run logout" };
}
