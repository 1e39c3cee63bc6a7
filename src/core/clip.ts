/** How much of a client's string an error message quotes. */
export const QUOTE_CHARS = 64;

/**
 * At most `max` characters of `text`, for a log field or an error message: a longer one is cut
 * (never inside a surrogate pair) and says how long it was.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max).toWellFormed()}… (${text.length} characters)`;
}

/** Client input quoted in an error message: in single quotes, a short prefix of a long one. */
export function quote(text: string, max = QUOTE_CHARS): string {
  if (text.length <= max) return `'${text}'`;
  return `'${text.slice(0, max).toWellFormed()}…' (${text.length} characters)`;
}
