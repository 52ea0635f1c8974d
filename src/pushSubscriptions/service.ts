import { createHash } from "node:crypto";
import { and, asc, count, eq, getTableColumns, sql } from "drizzle-orm";
import type { PushSubscriptionRecord, PushSubscriptionStore } from "../../connectors/contract.js";
import type { Database } from "../db/client.js";
import { type PushSubscriptionRow, pushSubscriptions } from "../db/schema/index.js";
import { type Actor, eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type PageRequest, pageWindow } from "../http/pagination.js";
import { newId } from "../ids.js";
import type { Keyring } from "../secrets/keyring.js";
import { resealed } from "../secrets/reseal.js";
import { open, seal } from "../secrets/secretBox.js";
import { judgeEndpointUrl, type WebhookDestinationPolicy } from "../webhooks/resolvedDestination.js";

export type BrowserSubscription = {
  endpoint: string;
  expirationTime?: number | null | undefined;
  keys: { p256dh: string; auth: string };
};

export type SubscribeResult =
  | { ok: true; subscription: PushSubscriptionRow; created: boolean }
  | { ok: false; reason: "invalid"; field: string; message: string }
  | { ok: false; reason: "no_secret_keys" };

/** Sealed under the endpoint's hash, which a row keeps for life (its id may be another writer's). */
const contextOf = (tenantId: string, endpointHash: string) => `push_subscription/${tenantId}/${endpointHash}`;
const hashOf = (endpoint: string) => createHash("sha256").update(endpoint).digest("hex");

/**
 * Stores a browser's subscription for a customer. The endpoint is held to the webhooks' destination
 * policy (the hub will POST to it): public addresses only unless allowed, https in production. A
 * browser subscribing again (same endpoint) updates its row, possibly for another customer.
 */
export async function subscribe(
  db: Database,
  deps: { keys: Keyring | undefined; policy: WebhookDestinationPolicy },
  tenantId: string,
  customerId: string,
  browser: BrowserSubscription,
  actor: Actor,
): Promise<SubscribeResult> {
  if (!deps.keys) return { ok: false, reason: "no_secret_keys" };
  const verdict = await judgeEndpointUrl(browser.endpoint, deps.policy);
  if (!verdict.allowed)
    return {
      ok: false,
      reason: "invalid",
      field: "subscription.endpoint",
      message: verdict.reason.replace("Webhook URL", "Push endpoint"),
    };
  const keys = deps.keys;
  const endpointHash = hashOf(browser.endpoint);
  const expiresAt = browser.expirationTime ? new Date(browser.expirationTime) : null;
  const sealed = seal(
    keys,
    JSON.stringify({ endpoint: browser.endpoint, keys: browser.keys }),
    contextOf(tenantId, endpointHash),
  );
  const values = { customerId, endpointOrigin: new URL(browser.endpoint).origin, sealed, expiresAt };
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(pushSubscriptions)
      .values({ id: newId("pushSubscription"), tenantId, endpointHash, ...values })
      .onConflictDoUpdate({
        target: [pushSubscriptions.tenantId, pushSubscriptions.endpointHash],
        set: { ...values, updatedAt: sql`now()` },
      })
      .returning({ ...getTableColumns(pushSubscriptions), created: sql<boolean>`(xmax = 0)` });
    if (!row) throw new Error("push subscription upsert returned nothing");
    const { created, ...subscription } = row;
    if (created)
      await recordEvent(tx, {
        tenantId,
        type: eventTypes.pushSubscriptionCreated,
        subject: { type: "push_subscription", id: subscription.id },
        actor,
        channel: "push",
        customerId,
        payload: { pushService: subscription.endpointOrigin },
      });
    return { ok: true, subscription, created } as const;
  });
}

export async function listSubscriptions(
  db: Database,
  tenantId: string,
  customerId: string,
  page: PageRequest,
): Promise<{ items: PushSubscriptionRow[]; total: number }> {
  const where = and(eq(pushSubscriptions.tenantId, tenantId), eq(pushSubscriptions.customerId, customerId));
  const { limit, offset } = pageWindow(page);
  const [items, totals] = await Promise.all([
    db
      .select()
      .from(pushSubscriptions)
      .where(where)
      .orderBy(asc(pushSubscriptions.createdAt), asc(pushSubscriptions.id))
      .limit(limit)
      .offset(offset),
    db.select({ total: count() }).from(pushSubscriptions).where(where),
  ]);
  return { items, total: totals[0]?.total ?? 0 };
}

/** Removes a subscription and says so on the customer's timeline; false when it was not there. */
export async function removeSubscription(
  db: Database,
  tenantId: string,
  id: string,
  actor: Actor,
  reason: "unsubscribed" | "gone",
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.tenantId, tenantId), eq(pushSubscriptions.id, id)))
      .returning();
    if (!row) return false;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.pushSubscriptionRemoved,
      subject: { type: "push_subscription", id },
      actor,
      channel: "push",
      customerId: row.customerId,
      payload: { pushService: row.endpointOrigin, reason },
    });
    return true;
  });
}

/** A subscription's sealed endpoint and keys under the current key; undefined when they are already (see secrets/reseal.ts). */
export function resealedSubscription(
  keys: Keyring,
  tenantId: string,
  endpointHash: string,
  sealed: string,
): string | undefined {
  return resealed(keys, sealed, contextOf(tenantId, endpointHash));
}

/** The push sender's view of the table: subscriptions opened, and removal when a push service says gone. */
export function pushSubscriptionStore(db: Database, keys: Keyring | undefined): PushSubscriptionStore {
  return {
    async listForCustomer(tenantId, customerId): Promise<PushSubscriptionRecord[]> {
      const rows = await db
        .select({
          id: pushSubscriptions.id,
          hash: pushSubscriptions.endpointHash,
          sealed: pushSubscriptions.sealed,
        })
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.tenantId, tenantId), eq(pushSubscriptions.customerId, customerId)));
      if (rows.length > 0 && !keys)
        throw new Error("CHANNEL_SECRET_KEYS is not set: push subscriptions cannot be opened");
      return rows.map((row) => {
        const opened = JSON.parse(open(keys as Keyring, row.sealed, contextOf(tenantId, row.hash))) as Omit<
          PushSubscriptionRecord,
          "id"
        >;
        return { id: row.id, endpoint: opened.endpoint, keys: opened.keys };
      });
    },
    async remove(tenantId, subscriptionId) {
      await removeSubscription(db, tenantId, subscriptionId, { type: "system" }, "gone");
    },
  };
}
