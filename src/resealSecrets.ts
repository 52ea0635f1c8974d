import { and, asc, eq, gt, isNotNull, not, sql } from "drizzle-orm";
import { resealedSecrets } from "./channelAccounts/sealedSettings.js";
import type { Database } from "./db/client.js";
import { channelAccounts, pushSubscriptions } from "./db/schema/index.js";
import { resealedSubscription } from "./pushSubscriptions/service.js";
import type { Keyring } from "./secrets/keyring.js";
import { currentKeyPattern, type ResealOutcome, resealInPages } from "./secrets/reseal.js";
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
  const notCurrent = currentKeyPattern(keys);
  const accounts = await resealInPages(
    (after, limit) =>
      db
        .select({
          id: channelAccounts.id,
          tenantId: channelAccounts.tenantId,
          channel: channelAccounts.channel,
          sealed: channelAccounts.sealedSecrets,
        })
        .from(channelAccounts)
        .where(
          and(
            gt(channelAccounts.id, after),
            isNotNull(channelAccounts.sealedSecrets),
            not(sql`${channelAccounts.sealedSecrets} LIKE ${notCurrent}`),
          ),
        )
        .orderBy(asc(channelAccounts.id))
        .limit(limit),
    async (account) => {
      if (account.sealed === null) return false;
      const sealed = resealedSecrets(keys, account.tenantId, account.channel, account.sealed);
      if (sealed === undefined) return false;
      const written = await db
        .update(channelAccounts)
        .set({ sealedSecrets: sealed })
        .where(and(eq(channelAccounts.id, account.id), eq(channelAccounts.sealedSecrets, account.sealed)))
        .returning({ id: channelAccounts.id });
      return written.length > 0;
    },
  );
  const subscriptions = await resealInPages(
    (after, limit) =>
      db
        .select({
          id: pushSubscriptions.id,
          tenantId: pushSubscriptions.tenantId,
          hash: pushSubscriptions.endpointHash,
          sealed: pushSubscriptions.sealed,
        })
        .from(pushSubscriptions)
        .where(and(gt(pushSubscriptions.id, after), not(sql`${pushSubscriptions.sealed} LIKE ${notCurrent}`)))
        .orderBy(asc(pushSubscriptions.id))
        .limit(limit),
    async (subscription) => {
      const sealed = resealedSubscription(
        keys,
        subscription.tenantId,
        subscription.hash,
        subscription.sealed,
      );
      if (sealed === undefined) return false;
      const written = await db
        .update(pushSubscriptions)
        .set({ sealed })
        .where(
          and(eq(pushSubscriptions.id, subscription.id), eq(pushSubscriptions.sealed, subscription.sealed)),
        )
        .returning({ id: pushSubscriptions.id });
      return written.length > 0;
    },
  );
  return {
    channelAccounts: accounts,
    pushSubscriptions: subscriptions,
    webhookSecrets: await sealWebhookSecrets(db, keys),
  };
}
