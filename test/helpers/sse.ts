/** Parsed Server-Sent Events text: `data:` payloads (one per event) and `:` comment lines, in order of appearance. */
export interface ParsedSse {
  data: string[];
  comments: string[];
}

/**
 * Tiny SSE parser for tests: splits on blank lines, joins multi-line `data:` fields with "\n",
 * and collects comment lines (text after the leading ":", trimmed of one leading space).
 */
export function parseSse(text: string): ParsedSse {
  const data: string[] = [];
  const comments: string[] = [];
  const events = text.replace(/\r\n?/g, "\n").split("\n\n");
  for (const event of events) {
    const dataLines: string[] = [];
    for (const line of event.split("\n")) {
      if (line === "") continue;
      if (line.startsWith(":")) {
        comments.push(line.slice(1).replace(/^ /, ""));
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") dataLines.push(value);
    }
    if (dataLines.length > 0) data.push(dataLines.join("\n"));
  }
  return { data, comments };
}
