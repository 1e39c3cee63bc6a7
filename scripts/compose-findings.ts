import type { ComposeService } from "./compose-schema.ts";

/** Every rule the compose checker applies; the tests hold one failing fixture per id. */
export const COMPOSE_RULES = [
  "compose-shape",
  "unchecked-include",
  "publish-address",
  "host-namespace",
  "privileged",
  "cap-drop-all",
  "cap-add",
  "read-only-root",
  "no-new-privileges",
  "unconfined-profile",
  "non-root-user",
  "resource-limits",
  "image-tag",
  "openai-api-key",
  "env-file",
  "docker-socket",
  "home-directory",
  "mount-allowlist",
] as const;

export type ComposeRule = (typeof COMPOSE_RULES)[number];

export interface Finding {
  readonly rule: ComposeRule;
  readonly message: string;
}

export type ServiceCheck = (service: ComposeService) => Finding[];
