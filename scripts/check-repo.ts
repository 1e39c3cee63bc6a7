import { formatRepoViolation } from "./repo-rules.ts";
import { repoRoot, scanRepository } from "./repo-scan.ts";

/** Usage: tsx scripts/check-repo.ts; checks the git work tree around the current directory, exit 1 on violations. */
const root = repoRoot(process.cwd());
const violations = scanRepository(root);
for (const v of violations) process.stdout.write(`${formatRepoViolation(v)}\n`);
if (!violations.length) process.stdout.write("repository hygiene ok\n");
process.exit(violations.length ? 1 : 0);
