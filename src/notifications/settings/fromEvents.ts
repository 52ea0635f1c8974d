import { and, eq, inArray, sql } from "drizzle-orm";
import { liveCustomer } from "../../customers/contactPoints.js";
import type { Tx } from "../../db/client.js";
import {
  claims,
  comments,
  conversationTickets,
  events,
  notificationTriggers,
  tickets,
} from "../../db/schema/index.js";
import type { Actor } from "../../events/catalog.js";
import { formatRupiah } from "../../inbound/claimDialogue/prompts.js";
import type { Logger } from "../../logger.js";
import { checkData } from "../../templates/analysis.js";
import { type EffectiveTemplate, findEffectiveTemplate } from "../../templates/service.js";
import { type NewNotification, writeNotification } from "../create.js";
import type { QueuedDelivery } from "../jobs.js";
import { type NotificationTriggerKind, triggeringEventTypes, triggersOf } from "./triggerKinds.js";

/** What the relay knows of an event (queues/handlers/domainEvents.ts RelayedEvent). */
type Relayed = { id: string; tenantId: string; type: string };

/** A triggering event with the ticket it is about, as one read gives them. */
type TicketEvent = {
  id: string;
  tenantId: string;
  type: string;
  actorType: string;
  payload: Record<string, unknown>;
  ticketNumber: number;
  title: string;
  customerId: string;
  claimMedia: string | null;
  claimAmount: number | null;
  /** A comment event's comment: what the agent wrote, and their name. */
  commentText: string | null;
  commentAuthor: string | null;
  /** A conversation opened the ticket: its customer is answered on the conversation's channel. */
  fromConversation: boolean;
};

const systemActor: Actor = { type: "system" };

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
  relayed: readonly Relayed[],
  logger: Pick<Logger, "warn">,
  now = new Date(),
): Promise<QueuedDelivery[]> {
  const candidates = relayed.filter((e) => triggeringEventTypes.has(e.type));
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
  for (const event of await ticketEventsOf(
    tx,
    withRules.map((e) => e.id),
  )) {
    // What customers do themselves on a channel was answered there (the router's acknowledgement).
    if (event.actorType === "customer") continue;
    for (const kind of triggersOf(event.type, event.payload)) {
      // An agent's reply on a conversation's ticket goes back on its channel (conversation replies).
      if (kind === "ticket.agent_replied" && (event.fromConversation || event.commentText === null)) continue;
      const rule = ruleOf.get(`${event.tenantId}/${kind}`);
      if (!rule) continue;
      const skip = (reason: string) =>
        logger.warn(
          { tenantId: event.tenantId, eventId: event.id, trigger: kind, reason },
          "a notification trigger fired and sent nothing",
        );
      const template = await templateFor(event.tenantId, rule.templateCode);
      if (template?.row.status !== "active") {
        skip(`template ${rule.templateCode} is missing or archived`);
        continue;
      }
      const input: NewNotification = {
        recipientId: event.customerId,
        recipientType: "customer",
        channels: rule.channels,
        templateCode: rule.templateCode,
        templateData: dataOf(kind, event),
        priority: rule.priority,
        scheduleAt: null,
        ttlSeconds: null,
      };
      const { missing } = checkData(template.version.variables, input.templateData);
      if (missing.length > 0) {
        skip(`the template requires ${missing.join(", ")}`);
        continue;
      }
      const customer = await liveCustomer(tx, event.tenantId, event.customerId);
      if (!customer) {
        skip("the ticket's customer no longer exists");
        continue;
      }
      // In a savepoint: a notification that cannot be written is left out, and the relay's batch
      // (every subscriber's work for it) still commits, instead of failing again on every pass.
      const written = await tx
        .transaction((sp) =>
          writeNotification(
            sp,
            event.tenantId,
            systemActor,
            input,
            { template, customerId: customer.id },
            now,
          ),
        )
        .catch((err: unknown) => {
          skip(`writing it failed: ${err instanceof Error ? err.message : String(err)}`);
          return undefined;
        });
      if (!written) continue;
      for (const d of written.deliveries)
        queued.push({
          id: d.id,
          channel: d.channel,
          priority: written.notification.priority,
          dueAt: d.dueAt,
        });
    }
  }
  return queued;
}

/** The events with their tickets (and a claim's fields), in the batch's order. */
async function ticketEventsOf(tx: Tx, ids: readonly string[]): Promise<TicketEvent[]> {
  const rows = await tx
    .select({
      id: events.id,
      tenantId: events.tenantId,
      type: events.type,
      actorType: events.actorType,
      payload: events.payload,
      ticketNumber: tickets.number,
      title: tickets.title,
      customerId: tickets.customerId,
      claimMedia: claims.mediaTransaksi,
      claimAmount: claims.nominal,
      commentText: comments.content,
      commentAuthor: comments.authorName,
      fromConversation: sql<boolean>`${conversationTickets.ticketId} IS NOT NULL`,
    })
    .from(events)
    .innerJoin(tickets, and(eq(tickets.id, events.subjectId), eq(tickets.tenantId, events.tenantId)))
    .leftJoin(claims, eq(claims.ticketId, tickets.id))
    .leftJoin(
      comments,
      and(eq(comments.id, sql`${events.payload}->>'commentId'`), eq(comments.tenantId, events.tenantId)),
    )
    .leftJoin(conversationTickets, eq(conversationTickets.ticketId, tickets.id))
    .where(and(inArray(events.id, [...ids]), eq(events.subjectType, "ticket")));
  const order = new Map(ids.map((id, i) => [id, i]));
  return rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

/** The template variables a trigger fills from its event and ticket (triggerKinds.ts `gives`). */
function dataOf(kind: NotificationTriggerKind, event: TicketEvent): Record<string, unknown> {
  const ticketNumber = String(event.ticketNumber);
  switch (kind) {
    case "ticket.created":
      return { ticketNumber, title: event.title };
    case "claim.created":
      return {
        ticketNumber,
        ...(event.claimMedia ? { transactionMedia: event.claimMedia } : {}),
        ...(event.claimAmount !== null ? { amount: formatRupiah(event.claimAmount) } : {}),
      };
    case "ticket.agent_replied":
      return {
        ticketNumber,
        message: event.commentText,
        ...(event.commentAuthor ? { agentName: event.commentAuthor } : {}),
      };
    case "ticket.status_changed":
      return {
        ticketNumber,
        newStatus: event.payload.newStatus,
        ...(typeof event.payload.oldStatus === "string" ? { oldStatus: event.payload.oldStatus } : {}),
      };
  }
}
