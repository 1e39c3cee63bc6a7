import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { z } from "zod";

/**
 * The compose service as the Docker test runs it. Strict: a key added to the file that the test
 * does not translate into `docker run` flags stops the test, so the run cannot drift from the file.
 */
const bindMount = z.strictObject({
  type: z.literal("bind"),
  source: z.string(),
  target: z.string(),
  read_only: z.boolean().optional(),
});

const serviceSchema = z.strictObject({
  // docker-compose.yml builds the image; docker-compose.image.yml names a published one.
  build: z.string().optional(),
  image: z.string(),
  user: z.string().regex(/^\$\{PROXY_UID:-\d+\}:\$\{PROXY_GID:-\d+\}$/),
  init: z.boolean(),
  restart: z.string(),
  stop_grace_period: z.string().regex(/^\d+s$/),
  ports: z.array(z.string().regex(/^127\.0\.0\.1:\d+:\d+$/)).length(1),
  read_only: z.boolean(),
  tmpfs: z.array(z.string()),
  cap_drop: z.array(z.string()),
  security_opt: z.array(z.string()),
  mem_limit: z.string().regex(/^\d+[kmg]$/),
  cpus: z.number(),
  pids_limit: z.number().int(),
  volumes: z.array(bindMount),
  environment: z.record(z.string(), z.string()),
  healthcheck: z.strictObject({
    test: z.tuple([z.literal("CMD")], z.string()),
    interval: z.string().regex(/^\d+s$/),
    timeout: z.string().regex(/^\d+s$/),
    start_period: z.string().regex(/^\d+s$/),
    retries: z.number().int(),
  }),
});

export type ComposeRunService = z.infer<typeof serviceSchema>;

export function readComposeService(file: string): { name: string; service: ComposeRunService } {
  return parseComposeService(readFileSync(file, "utf8"), file);
}

/** The single service of a compose file's text; every problem with its shape is an error naming the key. */
export function parseComposeService(text: string, file: string): { name: string; service: ComposeRunService } {
  const doc = z.looseObject({ services: z.record(z.string(), z.unknown()) }).parse(parse(text));
  const entries = Object.entries(doc.services);
  const [first] = entries;
  if (entries.length !== 1 || !first) throw new Error(`${file}: expected exactly one service, found ${entries.length}`);
  const parsed = serviceSchema.safeParse(first[1]);
  if (!parsed.success) {
    const keys = parsed.error.issues.map((i) => `${i.path.join(".") || "(service)"}: ${i.message}`).join("; ");
    throw new Error(`${file}: the Docker test does not know how to run this service (${keys}); update scripts/docker-test/`);
  }
  return { name: first[0], service: parsed.data };
}

/**
 * The service's image name as compose spells it out: `${VAR}`, `${VAR:-default}` and `${VAR:?message}`
 * (docker-compose.image.yml's registry path) are read from `env`; an unset `:?` variable is an error.
 */
export function imageName(service: ComposeRunService, env: Readonly<Record<string, string | undefined>>): string {
  return service.image.replace(/\$\{(\w+)(?:(:-|:\?)([^}]*))?\}/g, (_, name: string, op: string | undefined, word: string | undefined) => {
    const value = env[name];
    if (value) return value;
    if (op === ":?") throw new Error(`image ${service.image}: ${name} is unset (${word ?? ""})`);
    return op === ":-" ? (word ?? "") : "";
  });
}

/** `15s` -> 15. */
export const seconds = (duration: string): number => Number.parseInt(duration, 10);

/** `1g` -> bytes. */
export function bytes(size: string): number {
  const units: Record<string, number> = { k: 1024, m: 1024 ** 2, g: 1024 ** 3 };
  return Number.parseInt(size, 10) * (units[size.slice(-1)] ?? 1);
}

/** The uid:gid the file runs as when PROXY_UID/PROXY_GID are unset. */
export function defaultUser(service: ComposeRunService): { uid: number; gid: number } {
  const [uid = NaN, gid = NaN] = [...service.user.matchAll(/:-(\d+)\}/g)].map((m) => Number(m[1]));
  return { uid, gid };
}

/** The container port of `127.0.0.1:HOST:CONTAINER`. */
export function containerPort(service: ComposeRunService): number {
  return Number(service.ports[0]?.split(":")[2]);
}
