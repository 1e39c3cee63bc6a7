import { docker, run } from "./docker-cli.ts";

/** Every image id the engine holds, intermediate build images included. */
export async function imageIds(): Promise<Set<string>> {
  return new Set((await docker("image", "ls", "--all", "--quiet", "--no-trunc")).split("\n").filter(Boolean));
}

/** Removes the images that appeared since `before` (the build's result and its stages); returns how many are left over. */
export async function removeNewImages(before: ReadonlySet<string>): Promise<number> {
  const added = () => imageIds().then((now) => [...now].filter((id) => !before.has(id)));
  for (const id of await added()) await run("docker", ["image", "rm", "--force", id]);
  return (await added()).length;
}
