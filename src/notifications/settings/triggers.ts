import { and, asc, eq, getTableColumns, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import { type NotificationTriggerRow, notificationTriggers } from "../../db/schema/index.js";
import type { FieldErrors } from "../../errors.js";
import { type Actor, eventTypes } from "../../events/catalog.js";
import { recordEvent } from "../../events/writer.js";
import { findEffectiveTemplate } from "../../templates/service.js";
import type { NotificationChannel, NotificationPriority } from "../vocabulary.js";
import { type NotificationTriggerKind, triggerSpecs } from "./triggerKinds.js";

/**
 * A tenant's notification triggers as the operator writes them: which domain events notify the
 * event's customer, with which template, on which channels. Each change is one transaction with its
 * event.
 */

export type TriggerInput = {
  tenantId: string;
  trigger: NotificationTriggerKind;
  templateCode?: string | undefined;
  channels: readonly NotificationChannel[];
  priority: NotificationPriority;
  enabled: boolean;
};

export type SaveTriggerResult =
  | { ok: true; trigger: NotificationTriggerRow; created: boolean }
  | { ok: false; fields: FieldErrors };

/**
 * Saves a trigger after checking that its template can be sent from it: the code names an active
 * template of the tenant (its own or the default), and every variable the template requires is one
 * the trigger fills. A template that fails this would fail each notification it sends.
 */
export async function saveTrigger(
  db: Database,
  input: TriggerInput,
  actor: Actor,
): Promise<SaveTriggerResult> {
  const spec = triggerSpecs[input.trigger];
  const templateCode = input.templateCode ?? spec.defaultTemplate;
  const template = await findEffectiveTemplate(db, input.tenantId, templateCode);
  if (!template) return { ok: false, fields: { templateCode: `no template ${templateCode} in this tenant` } };
  if (template.row.status !== "active")
    return { ok: false, fields: { templateCode: `template ${templateCode} is archived` } };
  const unfilled = template.version.variables
    .filter((v) => v.required && !spec.gives.includes(v.name))
    .map((v) => v.name);
  if (unfilled.length > 0)
    return {
      ok: false,
      fields: {
        templateCode: `${templateCode} requires ${unfilled.join(", ")}, which ${input.trigger} does not give (it gives ${spec.gives.join(", ")})`,
      },
    };
  const channels = [...new Set(input.channels)];
  return db.transaction(async (tx) => {
    const values = { templateCode, channels, priority: input.priority, enabled: input.enabled };
    const [row] = await tx
      .insert(notificationTriggers)
      .values({ tenantId: input.tenantId, trigger: input.trigger, ...values })
      .onConflictDoUpdate({
        target: [notificationTriggers.tenantId, notificationTriggers.trigger],
        set: { ...values, updatedAt: sql`now()` },
      })
      .returning({ ...getTableColumns(notificationTriggers), created: sql<boolean>`(xmax = 0)` });
    if (!row) throw new Error("notification trigger upsert returned nothing");
    const { created, ...trigger } = row;
    await recordEvent(tx, {
      tenantId: input.tenantId,
      type: eventTypes.notificationTriggerSaved,
      subject: { type: "notification_trigger", id: input.trigger },
      actor,
      payload: { trigger: input.trigger, ...values, created },
    });
    return { ok: true, trigger, created } as const;
  });
}

export async function listTriggers(db: Database, tenantId: string): Promise<NotificationTriggerRow[]> {
  return db
    .select()
    .from(notificationTriggers)
    .where(eq(notificationTriggers.tenantId, tenantId))
    .orderBy(asc(notificationTriggers.trigger));
}

/** Deletes a tenant's trigger; false when there was none. */
export async function deleteTrigger(
  db: Database,
  tenantId: string,
  trigger: NotificationTriggerKind,
  actor: Actor,
): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .delete(notificationTriggers)
      .where(and(eq(notificationTriggers.tenantId, tenantId), eq(notificationTriggers.trigger, trigger)))
      .returning({ templateCode: notificationTriggers.templateCode });
    if (!row) return false;
    await recordEvent(tx, {
      tenantId,
      type: eventTypes.notificationTriggerDeleted,
      subject: { type: "notification_trigger", id: trigger },
      actor,
      payload: { trigger, templateCode: row.templateCode },
    });
    return true;
  });
}
