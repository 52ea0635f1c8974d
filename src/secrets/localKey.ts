import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config.js";
import { type Keyring, parseKeyring, secretKeyBytes } from "./keyring.js";

/**
 * A newcomer's `npm start` has no CHANNEL_SECRET_KEYS. Outside production the hub then makes a key,
 * keeps it in DATA_DIR/channel-secret-key (owner-readable only) and reuses it on every start, as it
 * does for the admin token, so channel accounts saved yesterday still open today. In production the
 * variable is the only source: without it, channel credentials cannot be saved (the API says so).
 */
export async function resolveChannelSecretKeys(
  config: Config,
): Promise<{ keys: Keyring | undefined; generatedAt?: string }> {
  if (config.channels.secretKeys || config.env === "production") return { keys: config.channels.secretKeys };
  const path = join(config.database.dataDir, "channel-secret-key");
  const existing = await readFile(path, "utf8").catch(() => undefined);
  const parsed = existing ? parseKeyring(existing.trim()) : undefined;
  if (parsed && typeof parsed !== "string") return { keys: parsed, generatedAt: path };
  // Never replace a key file that is there: what it sealed would become unreadable.
  if (typeof parsed === "string") throw new Error(`${path}: ${parsed}`);
  const text = `local:${randomBytes(secretKeyBytes).toString("base64")}`;
  await mkdir(config.database.dataDir, { recursive: true });
  await writeFile(path, `${text}\n`, { mode: 0o600 });
  const keys = parseKeyring(text);
  if (typeof keys === "string") throw new Error(keys);
  return { keys, generatedAt: path };
}
