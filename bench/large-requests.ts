/**
 * The adapter's memory under its largest requests: `LARGE_CONCURRENT` requests at once, each at
 * every default size limit (text at MAX_TOTAL_TEXT_CHARS, three photos at MAX_IMAGE_BYTES, the
 * body just under MAX_REQUEST_BODY_BYTES). Figures, not a verdict.
 */
import { randomBytes } from "node:crypto";
import { deflateSync } from "node:zlib";
import { loadConfig } from "../src/config.ts";
import { completion, type Outcome, type Target } from "./client.ts";
import { readStatus } from "./procfs.ts";

export const LARGE_CONCURRENT = 8;
const PHOTOS = 3;

export interface LargeResult {
  readonly bodyBytes: number;
  readonly statuses: string[];
  /** The adapter process's resident memory: before the phase and its peak (VmHWM) by the end. */
  readonly rssBeforeKb: number | undefined;
  readonly peakRssKb: number | undefined;
}

/** A valid PNG of noise (stored, not compressed) whose file is just under `maxBytes`. */
function noisePng(maxBytes: number): Buffer {
  const side = Math.floor(Math.sqrt((maxBytes - 4096) / 3));
  const row = 1 + side * 3;
  const raw = randomBytes(row * side);
  for (let y = 0; y < side; y++) raw[y * row] = 0; // filter byte: none
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    return Buffer.concat([length, Buffer.from(type, "latin1"), data, Buffer.alloc(4)]); // the CRC is not checked on the way
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(raw, { level: 0 })), chunk("IEND", Buffer.alloc(0))]);
}

/** One chat body at the default limits, with a model whose catalog entry reads images. */
function largestBody(model: string): Record<string, unknown> {
  const limits = loadConfig({ PROXY_API_KEY: "bench-only-key-5tR8wQ2zX7cV4bN1mK9pL3j" });
  const photo = `data:image/png;base64,${noisePng(limits.maxImageBytes).toString("base64")}`;
  const text = "Large request for the memory benchmark. ".repeat(Math.floor(limits.maxTotalTextChars / 40));
  const images = Array.from({ length: PHOTOS }, () => ({ type: "image_url", image_url: { url: photo } }));
  return { model, messages: [{ role: "user", content: [{ type: "text", text }, ...images] }] };
}

export async function largeRequests(target: Target, adapterPid: number | undefined, model: string): Promise<LargeResult> {
  const body = largestBody(model);
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  const rssBeforeKb = adapterPid === undefined ? undefined : readStatus(adapterPid)?.rssKb;
  const outcomes: Outcome[] = await Promise.all(Array.from({ length: LARGE_CONCURRENT }, () => completion(target, body)));
  const peakRssKb = adapterPid === undefined ? undefined : readStatus(adapterPid)?.hwmKb;
  return { bodyBytes, statuses: outcomes.map((o) => (o.ok ? "200" : `${o.status} ${o.code ?? o.problem ?? ""}`)), rssBeforeKb, peakRssKb };
}
