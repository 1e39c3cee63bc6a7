import path from "node:path";
import type { ComposeService, PortEntry, VolumeEntry } from "./compose-schema.ts";

/** Compose's short and long spellings of ports, mounts and variables, reduced to one shape each. */

/** The host address a `ports` entry publishes on; undefined means every interface. */
export function publishedHostIp(entry: PortEntry): string | undefined {
  if (typeof entry === "number") return undefined;
  if (typeof entry === "object") return entry.host_ip;
  const spec = entry.replace(/\/(tcp|udp|sctp)$/, "");
  if (spec.startsWith("[")) return spec.slice(1, spec.indexOf("]"));
  const parts = spec.split(":");
  // HOST_IP:HOST_PORT:CONTAINER_PORT; anything shorter leaves the address to Docker (all interfaces).
  return parts.length >= 3 ? parts.slice(0, -2).join(":") : undefined;
}

export interface Mount {
  readonly type: string;
  /** As written in the file; undefined for anonymous volumes and tmpfs. */
  readonly source: string | undefined;
  readonly target: string;
  readonly readOnly: boolean;
}

/** One `volumes` entry in long form. Short form: `SOURCE:TARGET[:MODE]` or just `TARGET`. */
export function toMount(entry: VolumeEntry): Mount {
  if (typeof entry === "object") {
    return { type: entry.type, source: entry.source, target: entry.target, readOnly: entry.read_only === true };
  }
  const [first = "", second, mode = ""] = entry.split(":");
  if (second === undefined) return { type: "volume", source: undefined, target: first, readOnly: false };
  const isPath = /^[./~$]/.test(first);
  return { type: isPath ? "bind" : "volume", source: first, target: second, readOnly: mode.split(",").includes("ro") };
}

/** A bind source relative to the compose file's directory, normalised (`./data/x/` -> `data/x`). */
export function relativeBindSource(source: string): string {
  return path.posix.normalize(source).replace(/\/+$/, "");
}

/** Variable names set by `environment`, in either its mapping or its list form. */
export function environmentNames(service: ComposeService): string[] {
  const env = service.environment;
  if (!env) return [];
  if (Array.isArray(env)) return env.map((entry) => entry.split("=")[0] ?? "");
  return Object.keys(env);
}

/**
 * Compose interpolation with the defaults written in the file: `${NAME:-default}` and
 * `${NAME-default}` become the default; a variable without a default yields undefined
 * (the file alone does not say what it becomes).
 */
export function withFileDefaults(value: string): string | undefined {
  const resolved = value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, "$1");
  return resolved.includes("$") ? undefined : resolved;
}
