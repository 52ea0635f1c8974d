import type { Keyring } from "../secrets/keyring.js";
import { isSealed, open, SecretUnreadableError, seal } from "../secrets/secretBox.js";

/**
 * Webhook signing secrets at rest (endpoints' current and previous secrets, tenants' ticket
 * secrets): sealed with the hub's secret keys (src/secrets/secretBox.ts, CHANNEL_SECRET_KEYS) when
 * it has them, as `npm start` always does and production does once the variable is set; in clear
 * otherwise, as they were stored before sealing. A sealed value opens only under the row it was
 * sealed for, so a ciphertext copied into another endpoint's row does not sign that endpoint's
 * deliveries.
 */
export type WebhookSecretKeys = Keyring | undefined;

/** The row a secret belongs to, bound into its seal. */
export const secretRows = {
  endpoint: (tenantId: string, endpointId: string) => `webhook-endpoint/${tenantId}/${endpointId}`,
  tenant: (tenantId: string) => `webhook-tenant/${tenantId}`,
};

/** What is stored for a secret: sealed under the row when the hub has keys. */
export function storedSecret(keys: WebhookSecretKeys, secret: string, row: string): string {
  return keys ? seal(keys, secret, row) : secret;
}

/**
 * Opened secrets, per keyring, by row and sealed value: every delivery reads its endpoint's
 * secrets, and a few hundred endpoints' secrets are opened once each rather than once an attempt.
 */
const opened = new WeakMap<Keyring, Map<string, string>>();
const openedMax = 10_000;

/**
 * A stored secret as the tenant was shown it. Throws SecretUnreadableError for a sealed value the
 * hub cannot open: its key is no longer in CHANNEL_SECRET_KEYS (or the hub has none), or it was
 * sealed for another row.
 */
export function readSecret(keys: WebhookSecretKeys, stored: string, row: string): string {
  if (!isSealed(stored)) return stored;
  if (!keys) throw new SecretUnreadableError("sealed, and the hub has no CHANNEL_SECRET_KEYS to open it");
  let known = opened.get(keys);
  if (!known) {
    known = new Map();
    opened.set(keys, known);
  }
  const cacheKey = `${row}\u0000${stored}`;
  const found = known.get(cacheKey);
  if (found !== undefined) return found;
  const secret = open(keys, stored, row);
  if (known.size >= openedMax) {
    const oldest = known.keys().next().value;
    if (oldest !== undefined) known.delete(oldest);
  }
  known.set(cacheKey, secret);
  return secret;
}
