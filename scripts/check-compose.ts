import { readFileSync } from "node:fs";
import { checkComposeText, formatComposeViolation, type ComposeViolation } from "./compose-rules.ts";

/** Usage: tsx scripts/check-compose.ts FILE...; exit 1 and one line per violation, 2 when a file cannot be read. */
function main(files: readonly string[]): number {
  if (!files.length) {
    process.stderr.write("usage: tsx scripts/check-compose.ts COMPOSE_FILE...\n");
    return 2;
  }
  const violations: ComposeViolation[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      process.stderr.write(`${file}: cannot read (${err instanceof Error && "code" in err ? String(err.code) : String(err)})\n`);
      return 2;
    }
    violations.push(...checkComposeText(text, file));
  }
  for (const v of violations) process.stdout.write(`${formatComposeViolation(v)}\n`);
  if (violations.length) return 1;
  process.stdout.write(`compose files ok: ${files.join(", ")}\n`);
  return 0;
}

process.exit(main(process.argv.slice(2)));
