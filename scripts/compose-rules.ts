import type { ComposeRule, Finding } from "./compose-findings.ts";
import { mountChecks } from "./compose-mount-rules.ts";
import { parseCompose } from "./compose-schema.ts";
import { SERVICE_CHECKS } from "./compose-service-rules.ts";

export interface ComposeViolation {
  readonly file: string;
  /** The service name, or "-" for a problem with the whole file. */
  readonly service: string;
  readonly rule: ComposeRule;
  readonly message: string;
}

const FILE_LEVEL = "-";
const CHECKS = [...SERVICE_CHECKS, mountChecks];

/** Every violation in one compose file's text; `file` only labels the findings. */
export function checkComposeText(text: string, file: string): ComposeViolation[] {
  const parsed = parseCompose(text);
  if (!parsed.ok) {
    return parsed.problems.map((message) => ({ file, service: FILE_LEVEL, rule: "compose-shape", message }));
  }
  const { include, services } = parsed.compose;
  const fileFindings: ComposeViolation[] =
    include === undefined
      ? []
      : [{ file, service: FILE_LEVEL, rule: "unchecked-include", message: "include pulls in files this check does not read" }];

  const serviceFindings = Object.entries(services).flatMap(([name, service]) => {
    const findings: Finding[] = CHECKS.flatMap((check) => check(service));
    if (service.extends !== undefined) {
      findings.unshift({ rule: "unchecked-include", message: "extends inherits settings this check does not read" });
    }
    return findings.map((finding) => ({ file, service: name, ...finding }));
  });
  return [...fileFindings, ...serviceFindings];
}

/** One output line: names the file, the service and the rule. */
export function formatComposeViolation(v: ComposeViolation): string {
  return `${v.file}: service ${v.service}: [${v.rule}] ${v.message}`;
}
