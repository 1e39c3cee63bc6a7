import type { LogLevel } from "../config.ts";
import { clip } from "./clip.ts";

/** Structured fields only: callers pass metadata, never prompts, answers, keys or credentials. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** A string field (a client's model id, a path) is cut to this many characters. */
export const MAX_LOG_FIELD_CHARS = 512;
/** No line is longer than this (characters, newline included): fields that do not fit are cut shorter, then left out. */
export const MAX_LOG_LINE_CHARS = 4096;
/** Room kept for the closing brace, the newline and `"omittedFields":N`. */
const RESERVED = 32;

/** One JSON object per line on the given sink (stderr by default). */
export function createLogger(level: LogLevel, sink: (line: string) => void = (l) => process.stderr.write(l)): Logger {
  const emit = (lvl: Exclude<LogLevel, "silent">, msg: string, fields?: LogFields) => {
    if (RANK[lvl] < RANK[level]) return;
    sink(logLine({ time: new Date().toISOString(), level: lvl, msg, ...fields }));
  };
  return {
    debug: (m, f) => emit("debug", m, f),
    info: (m, f) => emit("info", m, f),
    warn: (m, f) => emit("warn", m, f),
    error: (m, f) => emit("error", m, f),
  };
}

/**
 * The record as one JSON line of at most MAX_LOG_LINE_CHARS: each string cut to
 * MAX_LOG_FIELD_CHARS, and cut further (then left out, counted) where the line has no room left.
 */
export function logLine(record: LogFields): string {
  const entries: string[] = [];
  let used = 2 + RESERVED; // braces, then the reserve
  let omitted = 0;
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    const name = JSON.stringify(clip(key, 64));
    const room = MAX_LOG_LINE_CHARS - used - name.length - 2; // the colon and a comma
    const text = fitted(value, room);
    if (text === undefined) {
      omitted += 1;
      continue;
    }
    entries.push(`${name}:${text}`);
    used += name.length + text.length + 2;
  }
  if (omitted) entries.push(`"omittedFields":${omitted}`);
  return `{${entries.join(",")}}\n`;
}

/** The value as JSON in at most `room` characters, a string cut shorter as needed; undefined when even a short cut does not fit. */
function fitted(value: string | number | boolean | null, room: number): string | undefined {
  if (typeof value !== "string") {
    const text = JSON.stringify(value);
    return text.length <= room ? text : undefined;
  }
  // Escapes (control characters, quotes) can make the JSON up to six times the string: halve until it fits.
  for (let max = MAX_LOG_FIELD_CHARS; max >= 8; max = Math.floor(max / 2)) {
    const text = JSON.stringify(clip(value, max));
    if (text.length <= room) return text;
  }
  return undefined;
}

export const silentLogger: Logger = createLogger("silent");
