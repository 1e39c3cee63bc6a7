import { parseDocument } from "yaml";
import { z } from "zod";

/**
 * The part of the Compose format the security checker reads. Keys it does not act on pass;
 * keys it acts on must have the documented shape, so an odd spelling (`privileged: "true"`)
 * fails the check instead of slipping past it.
 */
const scalar = z.union([z.string(), z.number()]);

const portEntry = z.union([
  scalar,
  z.looseObject({ target: scalar, published: scalar.optional(), host_ip: z.string().optional() }),
]);

const volumeEntry = z.union([
  z.string(),
  z.looseObject({
    type: z.string(),
    source: z.string().optional(),
    target: z.string(),
    read_only: z.boolean().optional(),
  }),
]);

const environment = z.union([
  z.record(z.string(), z.union([scalar, z.boolean(), z.null()])),
  z.array(z.string()),
]);

const limits = z.looseObject({ memory: scalar.optional(), cpus: scalar.optional(), pids: scalar.optional() });

const serviceSchema = z.looseObject({
  image: z.string().optional(),
  user: scalar.optional(),
  ports: z.array(portEntry).optional(),
  network_mode: z.string().optional(),
  pid: z.string().optional(),
  ipc: z.string().optional(),
  uts: z.string().optional(),
  userns_mode: z.string().optional(),
  privileged: z.boolean().optional(),
  cap_add: z.array(z.string()).optional(),
  cap_drop: z.array(z.string()).optional(),
  read_only: z.boolean().optional(),
  security_opt: z.array(z.string()).optional(),
  volumes: z.array(volumeEntry).optional(),
  volumes_from: z.unknown().optional(),
  devices: z.unknown().optional(),
  secrets: z.unknown().optional(),
  configs: z.unknown().optional(),
  environment: environment.optional(),
  env_file: z.unknown().optional(),
  extends: z.unknown().optional(),
  mem_limit: scalar.optional(),
  cpus: scalar.optional(),
  pids_limit: scalar.optional(),
  deploy: z.looseObject({ resources: z.looseObject({ limits: limits.optional() }).optional() }).optional(),
});

const composeSchema = z.looseObject({
  include: z.unknown().optional(),
  services: z.record(z.string(), serviceSchema),
});

export type ComposeService = z.infer<typeof serviceSchema>;
export type ComposeFile = z.infer<typeof composeSchema>;
export type PortEntry = z.infer<typeof portEntry>;
export type VolumeEntry = z.infer<typeof volumeEntry>;

export type ParsedCompose = { ok: true; compose: ComposeFile } | { ok: false; problems: string[] };

/** YAML text -> the checked subset of a Compose file. Merge keys are on because Compose honours them. */
export function parseCompose(text: string): ParsedCompose {
  const doc = parseDocument(text, { merge: true });
  if (doc.errors.length) return { ok: false, problems: doc.errors.map((e) => `YAML: ${e.message.split("\n")[0]}`) };
  const result = composeSchema.safeParse(doc.toJS());
  if (result.success) return { ok: true, compose: result.data };
  return { ok: false, problems: result.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`) };
}
