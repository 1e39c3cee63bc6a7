import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { ConfigError, describeWeakKey, type Config } from "./config.ts";
import type { Logger } from "./core/logger.ts";

export interface Bootstrap {
  readonly apiKey: string;
  /** True when this start created the key file (first run). */
  readonly createdKey: boolean;
}

/** Creates the private data directories and, on first start, a strong bearer key (0600). */
export function bootstrap(config: Config, logger: Logger): Bootstrap {
  for (const dir of [config.dataDir, config.codexHome, config.codexWorkDir, path.dirname(config.proxyApiKeyFile)]) {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  if (config.proxyApiKey) return { apiKey: config.proxyApiKey, createdKey: false };

  const file = config.proxyApiKeyFile;
  if (!existsSync(file)) {
    writeFileSync(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(file, 0o600);
    return { apiKey: readKey(file), createdKey: true };
  }
  if ((statSync(file).mode & 0o077) !== 0) makePrivate(file, logger);
  return { apiKey: readKey(file), createdKey: false };
}

/** Never leaves the key readable by others, unless it cannot be changed here (Docker mounts it read-only). */
function makePrivate(file: string, logger: Logger): void {
  try {
    chmodSync(file, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EROFS" && code !== "EPERM") throw err;
    logger.warn("the key file is readable by other users and cannot be made private here; run `chmod 600` on it where it is writable", { keyFile: file, error: code });
  }
}

function readKey(file: string): string {
  const key = readFileSync(file, "utf8").trim();
  const weakness = describeWeakKey(key);
  if (weakness) throw new ConfigError([`the key in ${file} ${weakness}; delete the file to have a strong one generated`]);
  return key;
}
