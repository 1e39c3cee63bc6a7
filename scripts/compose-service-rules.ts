import { environmentNames, publishedHostIp, withFileDefaults } from "./compose-entries.ts";
import type { Finding, ServiceCheck } from "./compose-findings.ts";
import type { ComposeService } from "./compose-schema.ts";

/** Isolation, privilege, limit and environment rules for one service (mounts: compose-mount-rules.ts). */

/** Capabilities a service may add back. None was needed: 8320 is unprivileged and the mounts belong to the container user. */
const ALLOWED_CAPABILITIES: ReadonlySet<string> = new Set<string>();

const HOST_NAMESPACE_KEYS = ["network_mode", "pid", "ipc", "uts", "userns_mode"] as const;
const UNCONFINED_OPTION = /^(?:(?:seccomp|apparmor|systempaths)[:=]unconfined|label[:=]disable)$/;
const NO_NEW_PRIVILEGES = /^no-new-privileges(?:[:=]true)?$/;
/** A release tag (`0.1.0`, `v2`, `1.4.0-rc1`); `latest`, `main` and the like move under you. */
const VERSION_TAG = /^v?\d+(?:\.\d+)*(?:[-+.][0-9A-Za-z.-]+)?$/;

const found = (rule: Finding["rule"], message: string): Finding[] => [{ rule, message }];
const capabilityName = (cap: string) => cap.toUpperCase().replace(/^CAP_/, "");
/** Compose treats 0 (and -1 for pids) as "no limit". */
const isLimit = (value: string | number | undefined) => value !== undefined && Number.parseFloat(String(value)) > 0;

const publishAddress: ServiceCheck = (s) =>
  (s.ports ?? []).flatMap((port) => {
    const ip = publishedHostIp(port);
    if (ip === "127.0.0.1") return [];
    const where = ip === undefined ? "every interface" : ip;
    return found("publish-address", `port ${JSON.stringify(port)} is published on ${where}; publish on 127.0.0.1 only`);
  });

const hostNamespace: ServiceCheck = (s) =>
  HOST_NAMESPACE_KEYS.filter((key) => s[key] === "host").flatMap((key) =>
    found("host-namespace", `${key}: host shares the host's namespace`),
  );

const privileged: ServiceCheck = (s) =>
  s.privileged === true ? found("privileged", "privileged: true gives the container every capability and device") : [];

const capDropAll: ServiceCheck = (s) =>
  (s.cap_drop ?? []).some((cap) => capabilityName(cap) === "ALL")
    ? []
    : found("cap-drop-all", "cap_drop must contain ALL");

const capAdd: ServiceCheck = (s) =>
  (s.cap_add ?? [])
    .filter((cap) => !ALLOWED_CAPABILITIES.has(capabilityName(cap)))
    .flatMap((cap) => found("cap-add", `cap_add ${cap} is not in the allowed set (${[...ALLOWED_CAPABILITIES].join(", ") || "none"})`));

const readOnlyRoot: ServiceCheck = (s) =>
  s.read_only === true ? [] : found("read-only-root", "read_only: true is missing");

const noNewPrivileges: ServiceCheck = (s) =>
  (s.security_opt ?? []).some((opt) => NO_NEW_PRIVILEGES.test(opt))
    ? []
    : found("no-new-privileges", "security_opt must contain no-new-privileges:true");

const unconfinedProfile: ServiceCheck = (s) =>
  (s.security_opt ?? [])
    .filter((opt) => UNCONFINED_OPTION.test(opt))
    .flatMap((opt) => found("unconfined-profile", `security_opt ${opt} switches off a kernel confinement`));

const nonRootUser: ServiceCheck = (s) => {
  if (s.user === undefined) return found("non-root-user", "user is not set; name a non-root uid:gid");
  const user = withFileDefaults(String(s.user));
  if (user === undefined) return found("non-root-user", `user ${s.user} has no default in the file`);
  const isRoot = user.split(":").some((id) => id === "0" || id === "root");
  return isRoot ? found("non-root-user", `user ${user} is root`) : [];
};

const resourceLimits: ServiceCheck = (s: ComposeService) => {
  const limits = s.deploy?.resources?.limits;
  const missing = [
    isLimit(s.mem_limit ?? limits?.memory) ? [] : ["memory (mem_limit)"],
    isLimit(s.cpus ?? limits?.cpus) ? [] : ["CPU (cpus)"],
    isLimit(s.pids_limit ?? limits?.pids) ? [] : ["pids (pids_limit)"],
  ].flat();
  return missing.length ? found("resource-limits", `no ${missing.join(", ")} limit`) : [];
};

const imageTag: ServiceCheck = (s) => {
  if (s.image === undefined || s.image.includes("@sha256:")) return [];
  const lastSegment = s.image.slice(s.image.lastIndexOf("/") + 1);
  const tag = withFileDefaults(lastSegment)?.split(":")[1];
  return tag !== undefined && VERSION_TAG.test(tag)
    ? []
    : found("image-tag", `image ${s.image} must carry a fixed version tag (never latest) or a digest`);
};

const openAiApiKey: ServiceCheck = (s) =>
  environmentNames(s).includes("OPENAI_API_KEY")
    ? found("openai-api-key", "OPENAI_API_KEY is in the environment; the adapter only uses a ChatGPT sign-in")
    : [];

const envFile: ServiceCheck = (s) =>
  s.env_file === undefined ? [] : found("env-file", "env_file is not checked here and could carry OPENAI_API_KEY; use environment");

export const SERVICE_CHECKS: readonly ServiceCheck[] = [
  publishAddress,
  hostNamespace,
  privileged,
  capDropAll,
  capAdd,
  readOnlyRoot,
  noNewPrivileges,
  unconfinedProfile,
  nonRootUser,
  resourceLimits,
  imageTag,
  openAiApiKey,
  envFile,
];
