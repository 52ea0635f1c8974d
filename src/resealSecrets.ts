import { resealedSecrets } from "./channelAccounts/sealedSettings.js";
import type { Database } from "./db/client.js";
import { channelAccounts, pushSubscriptions } from "./db/schema/index.js";
import { resealedSubscription } from "./pushSubscriptions/service.js";
import type { Keyring } from "./secrets/keyring.js";
import { type ResealOutcome, resealColumn } from "./secrets/reseal.js";
import { sealWebhookSecrets } from "./webhooks/sealStoredSecrets.js";

export type ResealReport = {
  channelAccounts: ResealOutcome;
  pushSubscriptions: ResealOutcome;
  webhookSecrets: ResealOutcome;
};

/**
 * Every sealed value of the hub under the current key of CHANNEL_SECRET_KEYS (`cli secrets
 * reseal`): after a new key is put first, this makes the old ones removable. Channel accounts and
 * push subscriptions are re-sealed otherwise only when saved again; webhook secrets also as the hub
 * starts. A row saved meanwhile is left as that save wrote it; one whose key is gone is counted.
 */
export async function resealAll(db: Database, keys: Keyring): Promise<ResealReport> {
  return {
    channelAccounts: await resealColumn(db, keys, {
      table: channelAccounts,
      id: channelAccounts.id,
      sealed: channelAccounts.sealedSecrets,
      parts: { tenantId: channelAccounts.tenantId, channel: channelAccounts.channel },
      reseal: (row, sealed) => resealedSecrets(keys, row.tenantId, row.channel, sealed),
    }),
    pushSubscriptions: await resealColumn(db, keys, {
      table: pushSubscriptions,
      id: pushSubscriptions.id,
      sealed: pushSubscriptions.sealed,
      parts: { tenantId: pushSubscriptions.tenantId, hash: pushSubscriptions.endpointHash },
      reseal: (row, sealed) => resealedSubscription(keys, row.tenantId, row.hash, sealed),
    }),
    webhookSecrets: await sealWebhookSecrets(db, keys),
  };
}
