import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "smol-toml";
import { z } from "zod";

const chatgptSettings = z.looseObject({
  // Codex accepts it with or without the final `/`; relative paths resolve only with it.
  chatgpt_base_url: z
    .string()
    .transform((v) => (v.endsWith("/") ? v : `${v}/`))
    .optional(),
});

/**
 * The operator's own `chatgpt_base_url` from CODEX_HOME/config.toml, if any: the relay forwards
 * there, since its `-c chatgpt_base_url` override replaces the operator's value for Codex.
 * The file is only read, never written.
 */
export function configuredChatGptBaseUrl(codexHome: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path.join(codexHome, "config.toml"), "utf8");
  } catch {
    return undefined;
  }
  try {
    return chatgptSettings.parse(parse(text)).chatgpt_base_url;
  } catch {
    return undefined; // Codex reports a malformed config.toml itself
  }
}
