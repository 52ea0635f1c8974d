import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "./config.js";

/**
 * A newcomer's `npm start` has no ADMIN_TOKEN. Outside production the hub then makes one, keeps it
 * in DATA_DIR/admin-token (readable by the owner only) and reuses it on every start, so the admin
 * API works on a fresh machine without handing out a default secret. Production requires the
 * variable (config refuses to start without it).
 */
export async function resolveAdminToken(config: Config): Promise<{ token: string; generatedAt?: string }> {
  if (config.adminToken) return { token: config.adminToken };
  if (config.env === "production") throw new Error("ADMIN_TOKEN is required in production");
  const path = join(config.database.dataDir, "admin-token");
  const existing = await readFile(path, "utf8").catch(() => undefined);
  if (existing && existing.trim().length >= 32) return { token: existing.trim(), generatedAt: path };
  const token = randomBytes(32).toString("hex");
  await mkdir(config.database.dataDir, { recursive: true });
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return { token, generatedAt: path };
}
