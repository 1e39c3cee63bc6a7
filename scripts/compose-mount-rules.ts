import { relativeBindSource, toMount, type Mount } from "./compose-entries.ts";
import type { Finding, ServiceCheck } from "./compose-findings.ts";

/** The only host paths a service may mount, relative to the compose file; the key file read-only. */
const ALLOWED_BINDS: ReadonlyMap<string, { readonly readOnly: boolean }> = new Map([
  ["data/codex-home", { readOnly: false }],
  ["data/codex-work", { readOnly: false }],
  ["data/secrets/proxy_api_key", { readOnly: true }],
]);

const DOCKER_SOCKET = /docker\.sock|^\/(?:var\/)?run\/?$/;
const HOME_DIRECTORY = /^(?:~|\$\{?(?:HOME|USERPROFILE)\b|\/(?:home|root|Users)(?:\/|$))/;

/** The most specific finding for one mount, or none. */
function checkMount(mount: Mount): Finding | undefined {
  if (mount.type === "tmpfs") return undefined;
  const source = mount.source ?? "(anonymous volume)";
  if (DOCKER_SOCKET.test(source)) {
    return { rule: "docker-socket", message: `${source} hands the container control of the Docker engine` };
  }
  if (HOME_DIRECTORY.test(source)) {
    return { rule: "home-directory", message: `${source} exposes a home directory (and any ~/.codex login in it)` };
  }
  const allowed = mount.type === "bind" ? ALLOWED_BINDS.get(relativeBindSource(source)) : undefined;
  if (!allowed) {
    return { rule: "mount-allowlist", message: `${mount.type} ${source} is not one of ${[...ALLOWED_BINDS.keys()].join(", ")}` };
  }
  if (allowed.readOnly && !mount.readOnly) {
    return { rule: "mount-allowlist", message: `${source} must be mounted read-only` };
  }
  return undefined;
}

/** Other ways to put host files or devices into the container. */
const OTHER_HOST_SOURCES = ["volumes_from", "devices", "secrets", "configs"] as const;

export const mountChecks: ServiceCheck = (service) => [
  ...(service.volumes ?? []).flatMap((entry) => checkMount(toMount(entry)) ?? []),
  ...OTHER_HOST_SOURCES.filter((key) => service[key] !== undefined).map(
    (key): Finding => ({ rule: "mount-allowlist", message: `${key} brings host files or devices in; only the three bind mounts are allowed` }),
  ),
];
