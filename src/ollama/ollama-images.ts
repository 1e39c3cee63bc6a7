import { RequestProblem } from "../turn/request-problem.ts";
import type { ParamPath } from "../turn/turn-request.ts";

/** The four image types the model reads, by their first bytes. */
const SIGNATURES: readonly { readonly type: string; readonly test: (b: Buffer) => boolean }[] = [
  { type: "image/png", test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: "image/jpeg", test: (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: "image/gif", test: (b) => b.subarray(0, 4).toString("latin1") === "GIF8" },
  { type: "image/webp", test: (b) => b.subarray(0, 4).toString("latin1") === "RIFF" && b.subarray(8, 12).toString("latin1") === "WEBP" },
];

/**
 * An Ollama image (base64, no `data:` prefix) as the data URL the shared image check takes, its
 * type sniffed from its first bytes; a `data:` URL passes as it is. Any other content is a 400
 * naming the image, rather than a guess the model would fail on.
 */
export function ollamaImageUrl(image: string, at: ParamPath): string {
  if (image.startsWith("data:")) return image;
  // 16 base64 characters are the first 12 bytes: enough for every signature.
  const head = Buffer.from(image.slice(0, 16), "base64");
  const type = SIGNATURES.find((s) => s.test(head))?.type;
  if (!type) throw new RequestProblem("Images must be base64-encoded PNG, JPEG, GIF or WebP files; this one is none of them.", at, "unsupported_image_url");
  return `data:${type};base64,${image}`;
}
