/**
 * Each model family of Codex's catalog on the path users run (Codex's built-in provider, the
 * stand-in ChatGPT backend serving the pinned binary's own catalog): sequential plain requests
 * and requests that offer one client function, both answered with text, so only the request's
 * shape differs; per model call, what Codex added of its own upstream (test/helpers/upstream-audit.ts).
 */
import { startEgressGuard } from "../test/helpers/egress-guard.ts";
import { bundledCatalog, defaultCatalogModel, type CatalogModel } from "../test/helpers/codex-catalog.ts";
import { startStandInChatGptBackend } from "../test/helpers/stand-in-chatgpt-backend.ts";
import { auditUpstream, type AuditedBody } from "../test/helpers/upstream-audit.ts";
import { startBenchService, type BenchService } from "./bench-service.ts";
import { readCpu } from "./procfs.ts";
import { completion, ollamaChat, type ChatBody } from "./client.ts";

/** Measured requests per family and shape, after WARMUP unmeasured ones. */
export const MODEL_REQUESTS = 20;
const WARMUP = 2;

const SYSTEM = "You are terse.";
const QUESTION = "Weather in Paris?";
const ANSWER = ["Sunny", " in", " Paris."];
const FUNCTION_NAME = "get_weather";
const WEATHER_TOOL = {
  type: "function",
  function: {
    name: FUNCTION_NAME,
    description: "Current weather of a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
  },
};
/** The search the stand-in runs when offered one (the search shape, on the default model). */
const SEARCH = { query: "weather in Paris", sources: [{ url: "https://weather.example/paris", title: "Paris forecast", cites: "Sunny" }] };
/** Every text the client sends or reads back: none of it is Codex's own. */
const CLIENT_TEXTS = [SYSTEM, QUESTION, ANSWER.join("")];

/** `ollama`: the plain turn through Ollama's /api/chat instead of Chat Completions (the default model only). */
export type Shape = "plain" | "function" | "search" | "ollama";

/** One request shape on one model: latency, and what its model calls carried upstream. */
export interface ShapeResult {
  /** Milliseconds of the measured requests that answered. */
  readonly samples: number[];
  readonly failures: string[];
  /** Model calls the stand-in received for the measured requests. */
  modelCalls: number;
  /** The `model` values those calls named. */
  readonly calledModels: Set<string>;
  /** Codex's own bytes in one model call, per call. */
  readonly codexBytes: number[];
  /** Codex's tools (`type:name`) and text kinds, with how many calls carried each. */
  readonly codexTools: Map<string, number>;
  readonly codexText: Map<string, number>;
  /** Codex's own bytes per tool or text kind: the most one call carried. */
  readonly codexBytesByKind: Map<string, number>;
  /** The distinct text entries themselves (kind and first characters). */
  readonly codexTextSeen: Set<string>;
  /** The whole model call (its JSON, UTF-8 bytes), per call. */
  readonly requestBytes: number[];
  /** The adapter's own CPU per measured request (its process alone, not Codex). */
  adapterCpuMs: number | undefined;
}

export interface FamilyResult {
  readonly family: string;
  readonly model: string;
  readonly isDefault: boolean;
  /** The search and Ollama shapes are measured on the default model only. */
  readonly shapes: Partial<Record<Shape, ShapeResult>> & Record<"plain" | "function", ShapeResult>;
  problem: string | undefined;
}

export interface ModelsResult {
  problem: string | undefined;
  readonly families: FamilyResult[];
  wallMs: number;
}

/** `gpt-6.2-sol` -> `gpt-6.2`: a versioned slug without its last name part; any other slug is its own family. */
export function modelFamily(slug: string): string {
  return /^(.*-\d[\d.]*)-[a-z][a-z0-9]*$/i.exec(slug)?.[1] ?? slug;
}

/** The first model of each family in catalog order; the default model's family first, measured on the default model. */
export function familyModels(models: readonly CatalogModel[], defaultModel: string): { family: string; model: string }[] {
  const seen = new Map<string, string>([[modelFamily(defaultModel), defaultModel]]);
  for (const m of models) if (!seen.has(modelFamily(m.slug))) seen.set(modelFamily(m.slug), m.slug);
  return [...seen].map(([family, model]) => ({ family, model }));
}

/** The text kind of an audit entry: `developer message: You are…` -> `developer message`. */
const kindOf = (entry: string) => entry.split(":")[0] ?? entry;

const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

/** Codex's own bytes in one model call by tool or text kind: the audit of each tool, the instructions and each input item alone. */
function bytesByKind(body: AuditedBody): Map<string, number> {
  const parts: AuditedBody[] = [
    ...(body.tools ?? []).map((tool) => ({ tools: [tool] })),
    { instructions: body.instructions },
    ...(body.input ?? []).map((item) => ({ input: [item] })),
  ];
  const kinds = new Map<string, number>();
  for (const part of parts) {
    const audit = auditUpstream(part, CLIENT_TEXTS, [FUNCTION_NAME]);
    const kind = audit.codexTools[0] ?? (audit.codexText[0] === undefined ? undefined : kindOf(audit.codexText[0]));
    if (kind !== undefined) kinds.set(kind, (kinds.get(kind) ?? 0) + audit.codexBytes);
  }
  return kinds;
}

function emptyShape(): ShapeResult {
  return {
    samples: [],
    failures: [],
    modelCalls: 0,
    calledModels: new Set(),
    codexBytes: [],
    codexTools: new Map(),
    codexText: new Map(),
    codexBytesByKind: new Map(),
    codexTextSeen: new Set(),
    requestBytes: [],
    adapterCpuMs: undefined,
  };
}

function requestOf(model: string, shape: Shape): ChatBody {
  const messages = [{ role: "system", content: SYSTEM }, { role: "user", content: QUESTION }];
  if (shape === "search") return { model, messages, web_search_options: {} };
  return shape === "function" ? { model, messages, tools: [WEATHER_TOOL] } : { model, messages };
}

export async function benchModels(): Promise<ModelsResult> {
  const started = performance.now();
  const result: ModelsResult = { problem: undefined, families: [], wallMs: 0 };
  const catalog = bundledCatalog();
  const defaultModel = defaultCatalogModel(catalog).slug;
  const backend = await startStandInChatGptBackend({ publicOrigin: "https://chatgpt.com" });
  const guard = await startEgressGuard({ tunnels: { "chatgpt.com:443": backend.port, "auth.openai.com:443": backend.port } });
  let service: BenchService | undefined;
  try {
    backend.behave({ deltas: ANSWER, webSearch: SEARCH });
    service = await startBenchService(undefined, guard, { backend: "app-server", login: true, chatgptCaFile: backend.caFile });
    for (const { family, model } of familyModels(catalog.models, defaultModel)) {
      const isDefault = model === defaultModel;
      const defaultOnly = isDefault ? { search: emptyShape(), ollama: emptyShape() } : {};
      const entry: FamilyResult = { family, model, isDefault, shapes: { plain: emptyShape(), function: emptyShape(), ...defaultOnly }, problem: undefined };
      result.families.push(entry);
      try {
        for (const [shape, out] of Object.entries(entry.shapes) as [Shape, ShapeResult][]) await measureShape(service, backend.modelCalls, model, shape, out);
      } catch (err) {
        entry.problem = err instanceof Error ? err.message : String(err);
      }
    }
  } catch (err) {
    result.problem = err instanceof Error ? err.message : String(err);
  } finally {
    await service?.close();
    await guard.close();
    await backend.close();
  }
  result.wallMs = performance.now() - started;
  return result;
}

async function measureShape(service: BenchService, modelCalls: readonly { body: object }[], model: string, shape: Shape, out: ShapeResult): Promise<void> {
  const request = requestOf(model, shape);
  const send = shape === "ollama" ? ollamaChat : completion;
  for (let i = 0; i < WARMUP; i++) await send(service.target, request);
  const pid = service.worker.pid;
  const cpuBefore = pid === undefined ? undefined : readCpu(pid);
  for (let i = 0; i < MODEL_REQUESTS; i++) {
    const from = modelCalls.length;
    const outcome = await send(service.target, request);
    if (outcome.ok) out.samples.push(outcome.ms);
    else out.failures.push(`${outcome.status || "no response"}: ${outcome.problem ?? "?"}`.slice(0, 160));
    for (const call of modelCalls.slice(from)) {
      const body = call.body as AuditedBody & { model?: string };
      const audit = auditUpstream(body, CLIENT_TEXTS, [FUNCTION_NAME]);
      out.modelCalls += 1;
      out.calledModels.add(body.model ?? "(none)");
      out.codexBytes.push(audit.codexBytes);
      for (const tool of new Set(audit.codexTools)) bump(out.codexTools, tool);
      for (const kind of new Set(audit.codexText.map(kindOf))) bump(out.codexText, kind);
      for (const text of audit.codexText) out.codexTextSeen.add(text);
      for (const [kind, bytes] of bytesByKind(body)) out.codexBytesByKind.set(kind, Math.max(bytes, out.codexBytesByKind.get(kind) ?? 0));
      out.requestBytes.push(Buffer.byteLength(JSON.stringify(call.body)));
    }
  }
  const cpuAfter = pid === undefined ? undefined : readCpu(pid);
  if (cpuBefore && cpuAfter) out.adapterCpuMs = (cpuAfter.selfMs - cpuBefore.selfMs) / MODEL_REQUESTS;
}
