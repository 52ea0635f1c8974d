import { sql } from "drizzle-orm";
import { type Database, statementTemplate } from "../db/client.js";
import { newWebhookSecret } from "./signing.js";
import { readSecret, secretRows, storedSecret, type WebhookSecretKeys } from "./storedSecrets.js";

/**
 * The tenant's secret row, inserted if missing, in one statement. The insert's RETURNING gives a
 * new row; the SELECT (which reads the statement's snapshot, before the insert) an existing one.
 * A concurrent first insert by another session leaves both empty: the caller reads again.
 */
const ensureSecret = statementTemplate(
  "webhook_tenant_secret_v1",
  (p) => sql`
    WITH made AS (
      INSERT INTO tenant_webhook_secrets (tenant_id, secret) VALUES (${p.t_id}, ${p.t_secret})
      ON CONFLICT (tenant_id) DO NOTHING
      RETURNING secret
    )
    SELECT secret FROM made
    UNION ALL
    SELECT secret FROM tenant_webhook_secrets WHERE tenant_id = ${p.t_id}`,
);

/**
 * The tenant's secret for tickets' own webhook URLs, made the first time it is needed (stored
 * sealed, see storedSecrets.ts). Throws SecretUnreadableError when the stored one cannot be opened.
 */
export async function tenantWebhookSecret(
  db: Database,
  keys: WebhookSecretKeys,
  tenantId: string,
): Promise<string> {
  const row = secretRows.tenant(tenantId);
  for (let tries = 0; tries < 2; tries++) {
    const [found] = await ensureSecret<{ secret: string }>(db, {
      t: { id: tenantId, secret: storedSecret(keys, newWebhookSecret(), row) },
    });
    if (found) return readSecret(keys, found.secret, row);
  }
  throw new Error(`tenant ${tenantId} has no webhook secret`);
}
