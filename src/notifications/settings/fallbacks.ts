import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { type NotificationFallbackRow, notificationFallbacks } from "../../db/schema/index.js";
import type { FieldErrors } from "../../errors.js";
import { type Actor, eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import type { NotificationChannel } from "../vocabulary.js";

/**
 * A tenant's fallbacks as the operator writes them: the channel a delivery is sent on next when it
 * failed or was skipped on another (src/notifications/deliveryState.ts applies them). Each change
 * is one transaction with its event.
 */

export type SaveFallbackResult =
  | { ok: true; fallback: NotificationFallbackRow; created: boolean }
  | { ok: false; fields: FieldErrors };

/** Saves the channel a failed or skipped delivery on `from` is sent on next. */
export async function saveFallback(
  db: Database,
  tenantId: string,
  from: NotificationChannel,
  to: NotificationChannel,
  actor: Actor,
): Promise<SaveFallbackResult> {
  if (from === to)
    return { ok: false, fields: { toChannel: "must differ from the channel it stands in for" } };
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(notificationFallbacks)
      .values({ tenantId, fromChannel: from, toChannel: to })
      .onConflictDoUpdate({
        target: [notificationFallbacks.tenantId, notificationFallbacks.fromChannel],
        set: { toChannel: to, updatedAt: sql`now()` },
      })
      .returning({ ...getTableColumns(notificationFallbacks), created: sql<boolean>`(xmax = 0)` });
    if (!row) throw new Error("notification fallback upsert returned nothing");
    const { created, ...fallback } = row;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.notificationFallbackSaved,
      subject: { type: "notification_fallback", id: from },
      actor,
      payload: { fromChannel: from, toChannel: to, created },
    });
    return { ok: true, fallback, created } as const;
  });
}

export async function listFallbacks(db: Database, tenantId: string): Promise<NotificationFallbackRow[]> {
  return db
    .select()
    .from(notificationFallbacks)
    .where(eq(notificationFallbacks.tenantId, tenantId))
    .orderBy(asc(notificationFallbacks.fromChannel));
}

/** Deletes a tenant's fallback from a channel; false when there was none. */
export async function deleteFallback(
  db: Database,
  tenantId: string,
  from: NotificationChannel,
  actor: Actor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(notificationFallbacks)
      .where(and(eq(notificationFallbacks.tenantId, tenantId), eq(notificationFallbacks.fromChannel, from)))
      .returning({ toChannel: notificationFallbacks.toChannel });
    if (!row) return false;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.notificationFallbackDeleted,
      subject: { type: "notification_fallback", id: from },
      actor,
      payload: { fromChannel: from, toChannel: row.toChannel },
    });
    return true;
  });
}
