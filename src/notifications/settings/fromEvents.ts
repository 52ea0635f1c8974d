import { and, eq, inArray } from "drizzle-orm";
import type { RelayedEvent } from "../../../queues/handlers/domainEvents.js";
import { liveCustomer } from "../../customers/contactPoints.js";
import type { Tx } from "../../db/client.js";
import { notificationTriggers, users } from "../../db/schema/index.js";
import type { Actor } from "../../events/catalog.js";
import type { Logger } from "../../logger.js";
import { checkData } from "../../templates/analysis.js";
import { type EffectiveTemplate, findEffectiveTemplate } from "../../templates/service.js";
import { type NewNotification, writeNotification } from "../create.js";
import type { QueuedDelivery } from "../jobs.js";
import { approvalTriggerings } from "./approvalEvents.js";
import { journeyTriggerings } from "./journeyEvents.js";
import { ticketTriggerings } from "./ticketEvents.js";
import { familyOfEventType, type TriggerFamily, type Triggering } from "./triggerKinds.js";

const systemActor: Actor = { type: "system" };

type TriggerReader = (tx: Tx, eventIds: readonly string[]) => Promise<Triggering[]>;

/** Each family's reader: a family without one is a compile error. */
const triggerReaders: Record<TriggerFamily, TriggerReader> = {
  ticket: ticketTriggerings,
  journey: journeyTriggerings,
  approval: approvalTriggerings,
};

/**
 * The notifications a relayed batch of events triggers, written in the relay's transaction: they
 * commit with the events' removal from the outbox, so each (event, trigger) notifies once, and
 * none is lost with a job in Redis. Answers the deliveries to enqueue once that has committed (the
 * sweeper re-enqueues any that miss it). Costs one read per batch when no tenant of the batch has
 * a trigger for its events. A notification that cannot be made (its template archived since, the
 * customer gone) is logged and left out: it must not hold back the relay's other events.
 */
export async function notificationsFromEvents(
  tx: Tx,
  relayed: readonly RelayedEvent[],
  logger: Pick<Logger, "warn">,
  now = new Date(),
): Promise<QueuedDelivery[]> {
  const candidates = relayed.filter((e) => familyOfEventType.has(e.type));
  if (candidates.length === 0) return [];
  const rules = await tx
    .select()
    .from(notificationTriggers)
    .where(
      and(
        inArray(notificationTriggers.tenantId, [...new Set(candidates.map((e) => e.tenantId))]),
        eq(notificationTriggers.enabled, true),
      ),
    );
  if (rules.length === 0) return [];
  const ruleOf = new Map(rules.map((r) => [`${r.tenantId}/${r.trigger}`, r]));
  const withRules = candidates.filter((e) => rules.some((r) => r.tenantId === e.tenantId));
  if (withRules.length === 0) return [];

  const templates = new Map<string, EffectiveTemplate | undefined>();
  const templateFor = async (tenantId: string, code: string) => {
    const key = `${tenantId}/${code}`;
    if (!templates.has(key)) templates.set(key, await findEffectiveTemplate(tx, tenantId, code));
    return templates.get(key);
  };
  const queued: QueuedDelivery[] = [];
  // One read per family of events the batch holds: tickets' (the desk's), journeys' and approvals'
  // (the Rail's).
  const fired: Triggering[] = [];
  for (const [family, read] of Object.entries(triggerReaders) as Array<[TriggerFamily, TriggerReader]>) {
    const ids = withRules.filter((e) => familyOfEventType.get(e.type) === family).map((e) => e.id);
    if (ids.length > 0) fired.push(...(await read(tx, ids)));
  }
  for (const { eventId, tenantId, kind, recipient, data } of fired) {
    const rule = ruleOf.get(`${tenantId}/${kind}`);
    if (!rule) continue;
    const skip = (reason: string) =>
      logger.warn(
        { tenantId, eventId, trigger: kind, reason },
        "a notification trigger fired and sent nothing",
      );
    const template = await templateFor(tenantId, rule.templateCode);
    if (template?.row.status !== "active") {
      skip(`template ${rule.templateCode} is missing or archived`);
      continue;
    }
    const input: NewNotification = {
      recipientId: recipient.id,
      recipientType: recipient.type,
      channels: rule.channels,
      templateCode: rule.templateCode,
      templateData: data,
      priority: rule.priority,
      scheduleAt: null,
      ttlSeconds: null,
    };
    const { missing } = checkData(template.version.variables, input.templateData);
    if (missing.length > 0) {
      skip(`the template requires ${missing.join(", ")}`);
      continue;
    }
    const reached = await recipientOf(tx, tenantId, recipient);
    if (!reached) {
      skip(`the tenant has no such ${recipient.type}`);
      continue;
    }
    // In a savepoint: a notification that cannot be written is left out, and the relay's batch
    // (every subscriber's work for it) still commits, instead of failing again on every pass.
    const written = await tx
      .transaction((sp) =>
        writeNotification(
          sp,
          tenantId,
          systemActor,
          input,
          { template, customerId: reached.customerId },
          now,
        ),
      )
      .catch((err: unknown) => {
        skip(`writing it failed: ${err instanceof Error ? err.message : String(err)}`);
        return undefined;
      });
    if (!written) continue;
    for (const d of written.deliveries)
      queued.push({ id: d.id, channel: d.channel, priority: written.notification.priority, dueAt: d.dueAt });
  }
  return queued;
}

/** The recipient as a notification names it: a live customer (a merge's survivor), or an active user. */
async function recipientOf(
  tx: Tx,
  tenantId: string,
  recipient: Triggering["recipient"],
): Promise<{ customerId: string | null } | undefined> {
  if (recipient.type === "customer") {
    const customer = await liveCustomer(tx, tenantId, recipient.id);
    return customer && { customerId: customer.id };
  }
  const [user] = await tx
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), eq(users.id, recipient.id), eq(users.active, true)));
  return user && { customerId: null };
}
