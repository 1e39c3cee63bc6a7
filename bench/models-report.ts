/** The printed report of the per-family runs (bench/models-run.ts). */
import { MODEL_REQUESTS, type FamilyResult, type ModelsResult, type Shape, type ShapeResult } from "./models-run.ts";
import { median, ms, percentile } from "./percentile.ts";

const SHAPES: readonly Shape[] = ["plain", "function", "search", "ollama"];

/** The shapes a family was measured in (search: the default model only). */
const measured = (f: FamilyResult): [Shape, ShapeResult][] => SHAPES.flatMap((shape) => (f.shapes[shape] ? [[shape, f.shapes[shape]] as [Shape, ShapeResult]] : []));

const max = (values: readonly number[]) => (values.length ? String(Math.max(...values)) : "n/a");

const latency = (s: ShapeResult) => `${ms(median(s.samples))} / ${ms(percentile(s.samples, 0.9))}`;

/** Codex's tools and text kinds over both shapes, with the most bytes one call carried of each: `additional_tools item 15234, ...`; "none". */
function whatCodexAdded(f: FamilyResult): string {
  const kinds = new Map<string, number>();
  for (const shape of ["plain", "function"] as const) for (const [kind, bytes] of f.shapes[shape].codexBytesByKind) kinds.set(kind, Math.max(bytes, kinds.get(kind) ?? 0));
  return kinds.size ? [...kinds].map(([kind, bytes]) => `${kind} ${bytes}`).join(", ") : "none";
}

function familyRow(f: FamilyResult): string {
  const [plain, fn] = [f.shapes.plain, f.shapes.function];
  const model = f.isDefault ? `${f.model} (default)` : f.model;
  return `| ${f.family} | ${model} | ${latency(plain)} | ${latency(fn)} | ${max(plain.codexBytes)} / ${max(fn.codexBytes)} | ${whatCodexAdded(f)} | ${max(plain.requestBytes)} / ${max(fn.requestBytes)} |`;
}

/** "8x exec" per kind: how many of the shape's model calls carried it. */
const counted = (m: ReadonlyMap<string, number>) => [...m].map(([k, n]) => `${n}x ${k}`).join(", ") || "none";

function familyDetails(f: FamilyResult): string[] {
  const lines = [`  ${f.model}:${f.problem ? ` PROBLEM: ${f.problem}` : ""}`];
  for (const [shape, s] of measured(f)) {
    lines.push(
      `    ${shape}: ${s.samples.length}/${MODEL_REQUESTS} ok, ${s.modelCalls} model calls naming ${[...s.calledModels].join(", ") || "none"}; ` +
        `Codex's tools ${counted(s.codexTools)}; Codex's text ${counted(s.codexText)}`,
    );
    if (s.failures.length) lines.push(`      failures: ${[...new Set(s.failures)].join("; ")}`);
  }
  const texts = new Set(measured(f).flatMap(([, s]) => [...s.codexTextSeen]));
  if (texts.size) lines.push(`    Codex's texts (first characters): ${[...texts].map((t) => JSON.stringify(t)).join(", ")}`);
  return lines;
}

const cpu = (s: ShapeResult) => (s.adapterCpuMs === undefined ? "n/a" : `${s.adapterCpuMs.toFixed(1)} ms`);

/** The plain turn against the default model's other shapes: the adapter's own cost of each. */
function defaultModelRows(model: string, f: FamilyResult): string[] {
  const row = (label: string, s: ShapeResult | undefined) => (s ? [`| ${label} | ${latency(s)} | ${cpu(s)} | ${max(s.requestBytes)} |`] : []);
  return [
    `The same turn on ${model} in other shapes (a web search: the stand-in runs one and cites it; Ollama: /api/chat, stream false):`,
    "",
    "| turn | p50 / p90 ms | adapter CPU per request | upstream request bytes, max |",
    "|---|---|---|---|",
    ...row("plain, Chat Completions", f.shapes.plain),
    ...row("with a web search", f.shapes.search),
    ...row("plain, Ollama /api/chat", f.shapes.ollama),
  ];
}

export function modelsReport(r: ModelsResult): string[] {
  const lines = [
    `Model families of Codex's catalog on the ChatGPT path (${MODEL_REQUESTS} sequential requests per shape, text answers; ${ms(r.wallMs)} ms in all):`,
    "",
    "| Family | Model | plain p50 / p90 ms | with a function p50 / p90 ms | Codex's own bytes, max (plain / function) | what they are (most bytes of each in one call) | upstream request bytes, max (plain / function) |",
    "|---|---|---|---|---|---|---|",
    ...r.families.map(familyRow),
  ];
  const byDefault = r.families.find((f) => f.isDefault);
  if (byDefault) lines.push("", ...defaultModelRows(byDefault.model, byDefault));
  if (r.problem) lines.push("", `PROBLEM: ${r.problem}`);
  lines.push("", "Per model (the model calls the stand-in saw; how many carried each of Codex's own tools and text kinds):", ...r.families.flatMap(familyDetails));
  return lines;
}
