import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { pinnedCodexVersion, readBinaryVersion, resolveCodexBinary } from "../../src/backend/codex-binary.ts";
import type { WireObserver } from "../../src/backend/jsonrpc-client.ts";
import { cachedSchemaDir } from "./schema-cache.ts";

/**
 * The Codex drift guard: every JSON-RPC message between the adapter and `codex app-server` is
 * validated against the JSON schema the pinned binary prints (`app-server generate-json-schema`).
 */

const execFileAsync = promisify(execFile);

type Union = "ClientRequest" | "ClientNotification" | "ServerRequest" | "ServerNotification";
type Schema = AnySchemaObject;

/** Only an id for Ajv's registry: nothing is fetched from it. */
const TYPE_BASE = "https://codex-app-server.invalid/types/";

/**
 * Methods the pinned binary serves and lists in its `generate-ts` output but leaves out of the
 * JSON schema; transcribed from GetAuthStatusParams.ts / GetAuthStatusResponse.ts (0.169.0).
 */
const SCHEMA_GAPS: Readonly<Record<string, { params: Schema; result: Schema }>> = {
  getAuthStatus: {
    params: {
      type: "object",
      properties: { includeToken: { type: ["boolean", "null"] }, refreshToken: { type: ["boolean", "null"] } },
    },
    result: {
      type: "object",
      properties: {
        authMethod: { anyOf: [{ $ref: `${TYPE_BASE}AuthMode` }, { type: "null" }] },
        authToken: { type: ["string", "null"] },
        requiresOpenaiAuth: { type: ["boolean", "null"] },
      },
      required: ["authMethod", "authToken", "requiresOpenaiAuth"],
    },
  },
};

/**
 * Server notifications the pinned binary sends on threads started with `experimentalRawEvents`
 * (client function calling) and lists in `generate-ts` (ServerNotification.ts), but leaves out
 * of the JSON schema's union; their payload types are in the schema.
 */
const NOTIFICATION_GAPS: Readonly<Record<string, string>> = {
  "rawResponseItem/completed": "RawResponseItemCompletedNotification",
  "rawResponse/completed": "RawResponseCompletedNotification",
};

/** Result types of requests whose params are null, so the `XParams` -> `XResponse` rule cannot name them. */
const RESULT_TYPES: Readonly<Record<string, string>> = { "account/logout": "LogoutAccountResponse" };

/**
 * Compiled before any service starts, so a test's first turn is not stalled mid-stream (~0.5 s)
 * by compiling them; any other method is compiled when first seen.
 */
const WARM_UP: Readonly<Record<Union, readonly string[]>> = {
  ClientRequest: ["initialize", "account/read", "getAuthStatus", "model/list", "thread/start", "thread/inject_items", "turn/start", "turn/interrupt", "thread/unsubscribe"],
  ClientNotification: ["initialized"],
  ServerRequest: [],
  ServerNotification: ["thread/started", "turn/started", "item/started", "item/agentMessage/delta", "item/completed", "thread/tokenUsage/updated", "turn/completed", "error"],
};

/** The pinned protocol: per-method validators, compiled on first use. */
export interface Protocol {
  readonly version: string;
  /** A whole message of `union` with this method; undefined when the protocol has no such method. */
  message(union: Union, method: string): ValidateFunction | undefined;
  /** The `result` answering a request of `union`; undefined when the schema names no result type. */
  result(union: "ClientRequest" | "ServerRequest", method: string): ValidateFunction | undefined;
  /** A JSON-RPC error answer. */
  readonly errorResponse: ValidateFunction;
}

/** The generated schema, kept with the installed packages (npm ci starts it afresh). */
const SCHEMA_CACHE = fileURLToPath(new URL("../../node_modules/.cache/codex-cli-provider/schema/", import.meta.url));

let loading: Promise<Protocol> | undefined;

/** Built once per test process (each e2e file runs in its own); the schema itself is cached across them. */
export function pinnedProtocol(): Promise<Protocol> {
  loading ??= loadProtocol();
  return loading;
}

async function loadProtocol(): Promise<Protocol> {
  const bin = resolveCodexBinary();
  const version = pinnedCodexVersion();
  const home = mkdtempSync(path.join(tmpdir(), "ccp-schema-"));
  try {
    // An empty CODEX_HOME: generating the schema must not read the operator's Codex configuration.
    const env = { PATH: process.env.PATH ?? "", HOME: home, CODEX_HOME: path.join(home, "home") };
    mkdirSync(env.CODEX_HOME);
    const installed = await readBinaryVersion(bin, env);
    if (installed !== version) throw new Error(`node_modules has Codex ${installed} but package.json pins ${version}: run npm install`);
    const schema = await cachedSchemaDir({
      root: SCHEMA_CACHE,
      bin,
      version,
      generate: async (out) => {
        await execFileAsync(bin, ["app-server", "generate-json-schema", "--experimental", "--out", out], { env, timeout: 30_000 });
      },
    });
    const protocol = buildProtocol(version, readTypes(schema));
    for (const [union, methods] of Object.entries(WARM_UP) as [Union, readonly string[]][]) {
      for (const method of methods) protocol.message(union, method);
      if (union === "ClientRequest") for (const method of methods) protocol.result(union, method);
    }
    return protocol;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

interface Types {
  readonly draft: string;
  /** Every named type: each file's own schema and every entry of its `definitions`. */
  readonly byName: Map<string, Schema>;
}

function readTypes(dir: string): Types {
  const byName = new Map<string, Schema>();
  const drafts = new Set<string>();
  for (const file of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    // The two bundles repeat every type with nested refs (#/definitions/v2/...); the single files suffice.
    if (!file.endsWith(".json") || path.basename(file).startsWith("codex_app_server_protocol")) continue;
    const { $schema, definitions, ...own } = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Schema;
    drafts.add(String($schema));
    for (const [name, schema] of Object.entries((definitions ?? {}) as Record<string, Schema>)) byName.set(name, schema);
    byName.set(path.basename(file, ".json"), own);
  }
  const [draft, ...others] = drafts;
  if (!draft || others.length) throw new Error(`expected one $schema across the generated files, got ${[...drafts].join(", ")}`);
  return { draft, byName };
}

/** Each type becomes its own schema, so a shared one (ThreadItem, Turn) is compiled once, not once per method. */
function buildProtocol(version: string, types: Types): Protocol {
  const ajv = createAjv(types.draft);
  const unions = new Map<Union, Map<string, Schema>>();
  for (const union of ["ClientRequest", "ClientNotification", "ServerRequest", "ServerNotification"] as const) {
    unions.set(union, methodsOf(types.byName.get(union), union));
  }
  addSchemaGaps(types.byName, unions.get("ClientRequest")!);
  addNotificationGaps(types.byName, unions.get("ServerNotification")!);
  for (const [name, schema] of types.byName) ajv.addSchema(rewriteRefs(schema), TYPE_BASE + name);

  const compiled = new Map<string, ValidateFunction | undefined>();
  const memo = (key: string, make: () => ValidateFunction | undefined) => {
    if (!compiled.has(key)) compiled.set(key, make());
    return compiled.get(key);
  };
  return {
    version,
    message: (union, method) =>
      memo(`${union} ${method}`, () => {
        const branch = unions.get(union)?.get(method);
        return branch && ajv.compile(rewriteRefs(branch));
      }),
    result: (union, method) =>
      memo(`${union} ${method} result`, () => {
        const params = paramsTypeName(unions.get(union)?.get(method));
        const name = (union === "ClientRequest" ? RESULT_TYPES[method] : undefined) ?? params?.replace(/Params$/, "Response");
        return name && name !== params ? ajv.getSchema(TYPE_BASE + name) : undefined;
      }),
    errorResponse: ajv.getSchema(`${TYPE_BASE}JSONRPCError`) ?? missing("JSONRPCError"),
  };
}

function createAjv(draft: string): Ajv {
  const options = { strict: false, validateSchema: false } as const; // generated schemas, checked data: no schema linting
  let ajv: Ajv;
  if (/draft-07/.test(draft)) ajv = new Ajv(options);
  else if (/2020-12/.test(draft)) ajv = new Ajv2020(options);
  else throw new Error(`unsupported $schema ${draft}: teach test/helpers/protocol-contract.ts about it`);
  // The numeric formats the generator emits; `type: integer` already holds the rest.
  for (const format of ["uint", "uint8", "uint16", "uint32", "uint64"]) ajv.addFormat(format, { type: "number", validate: (n) => n >= 0 });
  for (const format of ["int8", "int16", "int32", "int64", "float", "double"]) ajv.addFormat(format, { type: "number", validate: () => true });
  return ajv;
}

/** A union's `oneOf` branches by the single method each one allows. */
function methodsOf(union: Schema | undefined, name: Union): Map<string, Schema> {
  if (!Array.isArray(union?.oneOf)) return missing(name);
  const byMethod = new Map<string, Schema>();
  for (const branch of union.oneOf as Schema[]) {
    const method = ((branch.properties as Schema | undefined)?.method as Schema | undefined)?.enum as unknown[] | undefined;
    if (method?.length !== 1 || typeof method[0] !== "string") throw new Error(`${name}: a branch without a single method`);
    byMethod.set(method[0], branch);
  }
  return byMethod;
}

function addSchemaGaps(byName: Map<string, Schema>, clientRequests: Map<string, Schema>): void {
  for (const [method, { params, result }] of Object.entries(SCHEMA_GAPS)) {
    if (clientRequests.has(method)) throw new Error(`the JSON schema now describes ${method}: remove it from SCHEMA_GAPS`);
    const typeName = method[0]!.toUpperCase() + method.slice(1);
    byName.set(`${typeName}Params`, params);
    byName.set(`${typeName}Response`, result);
    clientRequests.set(method, {
      type: "object",
      properties: { id: { $ref: "#/definitions/RequestId" }, method: { enum: [method] }, params: { $ref: `#/definitions/${typeName}Params` } },
      required: ["id", "method", "params"],
    });
  }
}

function addNotificationGaps(byName: Map<string, Schema>, serverNotifications: Map<string, Schema>): void {
  for (const [method, typeName] of Object.entries(NOTIFICATION_GAPS)) {
    if (serverNotifications.has(method)) throw new Error(`the JSON schema now describes ${method}: remove it from NOTIFICATION_GAPS`);
    if (!byName.has(typeName)) missing(typeName);
    serverNotifications.set(method, {
      type: "object",
      properties: { method: { enum: [method] }, params: { $ref: `#/definitions/${typeName}` } },
      required: ["method", "params"],
    });
  }
}

/** `#/definitions/X` (local to one generated file) -> the registered type X. */
function rewriteRefs(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema), (key, value: unknown) => {
    if (key !== "$ref" || typeof value !== "string" || value.startsWith(TYPE_BASE)) return value;
    const local = /^#\/definitions\/([^/]+)$/.exec(value);
    if (!local?.[1]) throw new Error(`unexpected $ref ${value}: the generator's layout changed`);
    return TYPE_BASE + local[1];
  }) as Schema;
}

/** The type named by a request branch's `params` (`X` or `X | null`). */
function paramsTypeName(branch: Schema | undefined): string | undefined {
  const params = (branch?.properties as Schema | undefined)?.params as Schema | undefined;
  const alternatives = (params?.anyOf ?? []) as Schema[];
  const ref = [params, ...alternatives].map((s): unknown => s?.$ref).find((r): r is string => typeof r === "string");
  return ref?.split("/").pop();
}

function missing(what: string): never {
  throw new Error(`the generated schema has no ${what}: the generator's layout changed`);
}

/** Validates a live stream of messages; counts them and collects violations instead of throwing. */
export interface WireContract {
  readonly observe: WireObserver;
  readonly checked: { readonly out: number; readonly in: number };
  /** Methods of the requests and notifications checked, as "out thread/start" or "in turn/completed". */
  readonly methods: ReadonlySet<string>;
  readonly violations: readonly string[];
  /** Throws with every violation seen, if any. */
  assertClean(): void;
}

export async function createWireContract(): Promise<WireContract> {
  const protocol = await pinnedProtocol();
  const checked = { out: 0, in: 0 };
  const methods = new Set<string>();
  const violations: string[] = [];
  // Ids of requests awaiting an answer, by who sent them (ids restart with each child; a reuse overwrites).
  const awaiting = { out: new Map<unknown, string>(), in: new Map<unknown, string>() };

  const check = (direction: "out" | "in", message: unknown): string | undefined => {
    if (typeof message !== "object" || message === null || Array.isArray(message)) return "not a JSON object";
    const { id, method } = message as { id?: unknown; method?: unknown };
    const sender = direction === "out" ? "Client" : "Server";
    if (typeof method === "string") {
      methods.add(`${direction} ${method}`);
      const union: Union = id === undefined ? `${sender}Notification` : `${sender}Request`;
      const validate = protocol.message(union, method);
      if (!validate) return `${method}: not a ${union} method of Codex ${protocol.version}`;
      if (id !== undefined) awaiting[direction].set(id, method);
      return validate(message) ? undefined : `${method}: ${describe(validate.errors)}`;
    }
    // An answer to a request that went the other way.
    const other = direction === "out" ? "in" : "out";
    const requested = awaiting[other].get(id);
    if (requested === undefined) return `an answer to id ${JSON.stringify(id)}, which was never requested`;
    awaiting[other].delete(id);
    if ("error" in message) {
      return protocol.errorResponse(message) ? undefined : `${requested} error: ${describe(protocol.errorResponse.errors)}`;
    }
    if (!("result" in message)) return `${requested} answer: neither result nor error`;
    const validate = protocol.result(direction === "out" ? "ServerRequest" : "ClientRequest", requested);
    if (!validate) return `${requested}: the schema names no result type`;
    return validate(message.result) ? undefined : `${requested}: ${describe(validate.errors, "/result")}`;
  };

  return {
    observe(direction, message) {
      checked[direction] += 1;
      let problem: string | undefined;
      try {
        problem = check(direction, message);
      } catch (err) {
        problem = `validator failed (${err instanceof Error ? err.message : String(err)})`;
      }
      if (problem) violations.push(`${direction === "out" ? "adapter -> Codex" : "Codex -> adapter"}: ${problem}`);
    },
    checked,
    methods,
    violations,
    assertClean() {
      if (violations.length === 0) return;
      throw new Error(`${violations.length} message(s) broke the Codex ${protocol.version} protocol schema:\n${violations.join("\n")}`);
    },
  };
}

/** Paths and rules only, never the values (they may hold prompts). */
function describe(errors: ErrorObject[] | null | undefined, under = ""): string {
  const shown = (errors ?? []).slice(0, 4).map((e) => `${under + e.instancePath || "/"} ${e.message ?? e.keyword}`);
  return shown.join("; ") + ((errors?.length ?? 0) > shown.length ? "; ..." : "");
}
