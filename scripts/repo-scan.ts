import { execFileSync } from "node:child_process";
import { lstatSync, readFileSync } from "node:fs";
import path from "node:path";
import { checkRepoContent, checkRepoPath, type RepoViolation } from "./repo-rules.ts";

const git = (root: string, args: readonly string[]) => execFileSync("git", args, { cwd: root, encoding: "utf8" });

/** The top of the git work tree that contains `dir`. */
export function repoRoot(dir: string): string {
  return git(dir, ["rev-parse", "--show-toplevel"]).trim();
}

/** What `git add -A` would commit: tracked files plus untracked ones that are not ignored. */
export function listCandidateFiles(root: string): string[] {
  const listed = git(root, ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
  return [...new Set(listed.split("\0").filter(Boolean))].sort();
}

/** Path and content violations across the repository's candidate files. */
export function scanRepository(root: string): RepoViolation[] {
  return listCandidateFiles(root).flatMap((file) => {
    const text = readRegularFile(path.join(root, file));
    return [...checkRepoPath(file), ...(text === undefined ? [] : checkRepoContent(file, text))];
  });
}

/** A regular file's text; undefined for symlinks, directories and files deleted since they were tracked. */
function readRegularFile(file: string): string | undefined {
  try {
    return lstatSync(file).isFile() ? readFileSync(file, "utf8") : undefined;
  } catch (err) {
    if (err instanceof Error && "code" in err && err.code === "ENOENT") return undefined;
    throw err;
  }
}
