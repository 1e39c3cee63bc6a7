import { InvalidRequestError } from "../errors.ts";
import type { ParamPath } from "./turn-request.ts";

/** A path as the OpenAI and Anthropic APIs name a parameter: `messages[2].content[0]`, `text.format.schema`. */
export function paramName(path: ParamPath): string {
  return path.map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`)).join("");
}

/**
 * A 400 about one parameter of a request, carrying its path in the client's body. The path
 * comes from the neutral element the problem was found in, which knows where the client sent
 * it, so no API's wording is rewritten into another's.
 */
export class RequestProblem extends InvalidRequestError {
  readonly path: ParamPath;

  constructor(message: string, path: ParamPath, code?: string) {
    super(message, { param: paramName(path), ...(code ? { code } : {}) });
    this.path = path;
  }
}
