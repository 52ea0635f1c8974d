import { and, asc, eq, gt, isNull, or } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { tenantWebhookSecrets, webhookEndpoints } from "../db/schema/index.js";
import {
  notSealedUnderCurrentKey,
  type ResealOutcome,
  resealColumn,
  resealed,
  resealInPages,
} from "../secrets/reseal.js";
import { secretRows, type WebhookSecretKeys } from "./storedSecrets.js";

/**
 * Seals every webhook secret under the current key: those stored in clear (before sealing existed,
 * or by a hub without CHANNEL_SECRET_KEYS) and those sealed under a key that is no longer first.
 * Run as the hub starts (webhook secrets are a few per tenant) and by `cli secrets reseal`. Each
 * row is written only if its secrets are still those read, so a rotation or a first ticket secret
 * made meanwhile is kept; a secret whose key is no longer listed is counted and left as it is.
 */
export async function sealWebhookSecrets(db: Database, keys: WebhookSecretKeys): Promise<ResealOutcome> {
  if (!keys) return { resealed: 0, unreadable: 0 };
  const endpoints = await resealInPages(
    (after, limit) =>
      db
        .select({
          id: webhookEndpoints.id,
          tenantId: webhookEndpoints.tenantId,
          secret: webhookEndpoints.secret,
          previousSecret: webhookEndpoints.previousSecret,
        })
        .from(webhookEndpoints)
        .where(
          and(
            gt(webhookEndpoints.id, after),
            or(
              notSealedUnderCurrentKey(webhookEndpoints.secret, keys),
              notSealedUnderCurrentKey(webhookEndpoints.previousSecret, keys),
            ),
          ),
        )
        .orderBy(asc(webhookEndpoints.id))
        .limit(limit),
    async (endpoint) => {
      const row = secretRows.endpoint(endpoint.tenantId, endpoint.id);
      const secret = resealed(keys, endpoint.secret, row) ?? endpoint.secret;
      const previous =
        endpoint.previousSecret === null
          ? null
          : (resealed(keys, endpoint.previousSecret, row) ?? endpoint.previousSecret);
      const written = await db
        .update(webhookEndpoints)
        .set({ secret, previousSecret: previous })
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
      return written.length > 0;
    },
  );
  const tenants = await resealColumn(db, keys, {
    table: tenantWebhookSecrets,
    id: tenantWebhookSecrets.tenantId,
    sealed: tenantWebhookSecrets.secret,
    parts: {},
    reseal: (row, sealed) => resealed(keys, sealed, secretRows.tenant(row.id)),
  });
  return {
    resealed: endpoints.resealed + tenants.resealed,
    unreadable: endpoints.unreadable + tenants.unreadable,
  };
}
