import { RequestProblem } from "./request-problem.ts";
import type { ParamPath } from "./turn-request.ts";

const DATA_URL = /^data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)$/;

/**
 * Checks one image URL from a request: only inline `data:` images of the four types the
 * model reads, at most `maxBytes` once decoded. Returns the URL as Codex takes it.
 */
export function checkImageUrl(url: string, maxBytes: number, at: ParamPath): string {
  if (/^https?:\/\//i.test(url)) {
    throw new RequestProblem(
      "Only inline images are accepted: send the image as a base64 data: URL (data:image/png;base64,...), not a remote http(s) URL.",
      at,
      "unsupported_image_url",
    );
  }
  const match = DATA_URL.exec(url);
  if (!match) {
    throw new RequestProblem("Images must be base64 data: URLs of type image/png, image/jpeg, image/gif or image/webp.", at, "unsupported_image_url");
  }
  const base64 = (match[2] ?? "").replace(/\s/g, "");
  const bytes = Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
  if (bytes > maxBytes) {
    throw new RequestProblem(`An image is ${bytes} bytes; at most ${maxBytes} bytes per image are accepted.`, at, "image_too_large");
  }
  // The client's own string when it needs no cleaning: a rebuilt copy of a large image costs its size again.
  return base64.length === (match[2] ?? "").length ? url : `data:${match[1] ?? ""};base64,${base64}`;
}
