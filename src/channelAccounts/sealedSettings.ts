import type { Channel } from "../../connectors/contract.js";
import type { Keyring } from "../secrets/keyring.js";
import { resealed } from "../secrets/reseal.js";
import { open, seal } from "../secrets/secretBox.js";

/** A ciphertext of one account opens only under its own tenant and channel. */
const contextOf = (tenantId: string, channel: string) => `channel_account/${tenantId}/${channel}`;

/** Splits full settings into what is stored plain and what is stored sealed. */
export function splitSecrets(
  settings: Record<string, unknown>,
  secretFields: readonly string[],
): { plain: Record<string, unknown>; secrets: Record<string, unknown> } {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    if (secretFields.includes(field)) secrets[field] = value;
    else plain[field] = value;
  }
  return { plain, secrets };
}

export function sealSecrets(
  keys: Keyring,
  tenantId: string,
  channel: Channel,
  secrets: Record<string, unknown>,
): string | null {
  return Object.keys(secrets).length === 0
    ? null
    : seal(keys, JSON.stringify(secrets), contextOf(tenantId, channel));
}

/** An account's sealed secrets under the current key; undefined when they are already (see secrets/reseal.ts). */
export function resealedSecrets(
  keys: Keyring,
  tenantId: string,
  channel: string,
  sealed: string,
): string | undefined {
  return resealed(keys, sealed, contextOf(tenantId, channel));
}

export function openSecrets(
  keys: Keyring | undefined,
  tenantId: string,
  channel: Channel,
  sealed: string | null,
): Record<string, unknown> {
  if (sealed === null) return {};
  if (!keys) throw new Error("CHANNEL_SECRET_KEYS is not set: stored channel credentials cannot be opened");
  return JSON.parse(open(keys, sealed, contextOf(tenantId, channel))) as Record<string, unknown>;
}
