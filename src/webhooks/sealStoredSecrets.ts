import { and, eq, isNull, not, or, sql } from "drizzle-orm";
import type { AnyPgColumn } from "drizzle-orm/pg-core";
import type { Database } from "../db/client.js";
import { tenantWebhookSecrets, webhookEndpoints } from "../db/schema/index.js";
import { isSealed, sealedPrefix } from "../secrets/secretBox.js";
import { secretRows, storedSecret, type WebhookSecretKeys } from "./storedSecrets.js";

/** A secret column holding a value in clear (not NULL, not sealed). */
const inClear = (column: AnyPgColumn) => not(sql`${column} LIKE ${`${sealedPrefix}%`}`);

/**
 * Seals the webhook secrets still stored in clear: stored before sealing existed, or while the hub
 * had no CHANNEL_SECRET_KEYS. Run as the hub starts with keys. Each row is written only if its
 * secrets are still those read, so a rotation or a first ticket secret made meanwhile is kept.
 * Returns how many rows it sealed.
 */
export async function sealWebhookSecretsStoredInClear(
  db: Database,
  keys: WebhookSecretKeys,
): Promise<number> {
  if (!keys) return 0;
  let sealed = 0;
  const endpoints = await db
    .select({
      id: webhookEndpoints.id,
      tenantId: webhookEndpoints.tenantId,
      secret: webhookEndpoints.secret,
      previousSecret: webhookEndpoints.previousSecret,
    })
    .from(webhookEndpoints)
    .where(or(inClear(webhookEndpoints.secret), inClear(webhookEndpoints.previousSecret)));
  for (const endpoint of endpoints) {
    const row = secretRows.endpoint(endpoint.tenantId, endpoint.id);
    const seal = (value: string) => (isSealed(value) ? value : storedSecret(keys, value, row));
    const written = await db
      .update(webhookEndpoints)
      .set({
        secret: seal(endpoint.secret),
        previousSecret: endpoint.previousSecret === null ? null : seal(endpoint.previousSecret),
      })
      .where(
        and(
          eq(webhookEndpoints.id, endpoint.id),
          eq(webhookEndpoints.secret, endpoint.secret),
          endpoint.previousSecret === null
            ? isNull(webhookEndpoints.previousSecret)
            : eq(webhookEndpoints.previousSecret, endpoint.previousSecret),
        ),
      )
      .returning({ id: webhookEndpoints.id });
    sealed += written.length;
  }
  const tenants = await db.select().from(tenantWebhookSecrets).where(inClear(tenantWebhookSecrets.secret));
  for (const tenant of tenants) {
    const written = await db
      .update(tenantWebhookSecrets)
      .set({ secret: storedSecret(keys, tenant.secret, secretRows.tenant(tenant.tenantId)) })
      .where(
        and(
          eq(tenantWebhookSecrets.tenantId, tenant.tenantId),
          eq(tenantWebhookSecrets.secret, tenant.secret),
        ),
      )
      .returning({ tenantId: tenantWebhookSecrets.tenantId });
    sealed += written.length;
  }
  return sealed;
}
