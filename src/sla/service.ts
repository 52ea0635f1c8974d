import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { tenantSettingsCache, tenantSettingsTtlMs } from "../cache/tenantSettingsCache.js";
import { type Database, readsOn, type Tx } from "../db/client.js";
import { businessCalendars, events, slaPolicies, type TicketRow, tickets } from "../db/schema/index.js";
import { eventTypes } from "../events/catalog.js";
import { recordEvent } from "../events/writer.js";
import { type Priority, type ServiceType, ticketStatuses } from "../tickets/vocabulary.js";
import { alwaysOpen, type BusinessCalendar, type WorkingHours } from "./calendar.js";
import { computeSla, type SlaState, type SlaTargets, type StatusTransition } from "./clock.js";
import { type EffectivePolicy, pickSlaPolicy, type TenantSlaRule } from "./policies.js";

export type BreachKind = "response" | "resolution";

export type SlaSettings = { rules: TenantSlaRule[]; calendar: BusinessCalendar };

const settings = tenantSettingsCache<SlaSettings>(tenantSettingsTtlMs);

/**
 * The tenant's SLA rules and calendar, from the settings cache: the one way the hub reads them, for
 * new tickets and for every recomputation alike. Kept per database, read through `reader` (a
 * transaction in hand, see tenantSettingsCache).
 */
export function slaSettings(
  db: Database,
  tenantId: string,
  reader: Database | Tx = db,
): Promise<SlaSettings> {
  return settings.get(db, tenantId, async () => {
    const [rules, calendar] = await readsOn(
      reader,
      () => slaRules(reader, tenantId),
      () => getBusinessCalendar(reader, tenantId),
    );
    return { rules, calendar };
  });
}

/** Called by every write of SLA rules or calendars, so this process sees the change at once. */
export function forgetSlaSettings(db: Database, tenantId: string): void {
  settings.forget(db, tenantId);
}

/** The SLA of a ticket being created now: nothing has happened to it yet. */
export function slaAtCreation(policy: SlaTargets, calendar: BusinessCalendar, createdAt: Date): SlaState {
  return computeSla({
    policy,
    calendar,
    createdAt,
    history: [{ at: createdAt, status: "OPEN" }],
    firstResponseAt: null,
    resolvedAt: null,
    now: createdAt,
  });
}

/** The targets that apply to a ticket of this tenant, service type and priority. */
export async function resolveSlaPolicy(
  db: Database,
  tenantId: string,
  serviceType: ServiceType,
  priority: Priority,
): Promise<EffectivePolicy> {
  return pickSlaPolicy((await slaSettings(db, tenantId)).rules, serviceType, priority);
}

/** The tenant's own SLA rules as stored (uncached: the admin API reads them too). */
export function slaRules(db: Database | Tx, tenantId: string): Promise<TenantSlaRule[]> {
  return db.select().from(slaPolicies).where(eq(slaPolicies.tenantId, tenantId));
}

/** The stored working hours, or undefined when the tenant runs on the 24/7 default (uncached). */
export async function findWorkingHours(
  db: Database | Tx,
  tenantId: string,
): Promise<WorkingHours | undefined> {
  const [row] = await db.select().from(businessCalendars).where(eq(businessCalendars.tenantId, tenantId));
  return row;
}

/** The tenant's working hours; every hour of every day when it has none. */
export async function getBusinessCalendar(db: Database | Tx, tenantId: string): Promise<BusinessCalendar> {
  const hours = await findWorkingHours(db, tenantId);
  if (!hours) return alwaysOpen;
  return {
    kind: "working_hours",
    timezone: hours.timezone,
    workingDays: hours.workingDays,
    dayStartMinute: hours.dayStartMinute,
    dayEndMinute: hours.dayEndMinute,
    holidays: hours.holidays,
  };
}

/**
 * A ticket's status transitions, rebuilt from its events: OPEN at its creation, then the newStatus of
 * each STATUS_CHANGED event. Inside a transaction, pass the transaction: its own events count.
 */
export async function loadStatusHistory(
  db: Database,
  tenantId: string,
  ticketId: string,
): Promise<StatusTransition[]> {
  const [ticket] = await db
    .select({ createdAt: tickets.createdAt })
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, ticketId)));
  return ticket ? historyOf(db, tenantId, ticketId, ticket.createdAt) : [];
}

const statusChangedPayload = z.object({ newStatus: z.enum(ticketStatuses) });

async function historyOf(db: Database, tenantId: string, ticketId: string, createdAt: Date) {
  const rows = await db
    .select({ id: events.id, occurredAt: events.occurredAt, payload: events.payload })
    .from(events)
    .where(
      and(
        eq(events.tenantId, tenantId),
        eq(events.subjectType, "ticket"),
        eq(events.subjectId, ticketId),
        eq(events.type, eventTypes.statusChanged),
      ),
    )
    // Event ids are time-ordered: they keep the order of changes made in one transaction, whose
    // occurred_at (the transaction's now()) is the same.
    .orderBy(asc(events.occurredAt), asc(events.id));
  const history: StatusTransition[] = [{ at: createdAt, status: "OPEN" }];
  for (const row of rows) {
    const parsed = statusChangedPayload.safeParse(row.payload);
    if (!parsed.success) throw new Error(`event ${row.id} of ticket ${ticketId} has no valid newStatus`);
    history.push({ at: row.occurredAt, status: parsed.data.newStatus });
  }
  return history;
}

export type SlaRefresh = {
  sla: SlaState;
  /** The ticket row as this call left it. */
  ticket: TicketRow;
  /** Breaches this call marked (each kind is marked once per ticket, by whoever sees it first). */
  breached: BreachKind[];
};

/**
 * Recomputes a ticket's SLA from policy, calendar and history and stores it on the ticket: due
 * dates, whether the clock is paused, and any breach not marked yet (with its SLA_BREACHED event).
 * Call it in the transaction that created the ticket, changed its status or recorded its first
 * support reply, after writing that change and its event. It locks the ticket row. Policy and
 * calendar come from the settings cache (`db`), the row and its history from the transaction.
 */
export async function refreshTicketSla(
  db: Database,
  tx: Tx,
  tenantId: string,
  ticketId: string,
  now: Date,
): Promise<SlaRefresh> {
  const [ticket] = await tx
    .select()
    .from(tickets)
    .where(and(eq(tickets.tenantId, tenantId), eq(tickets.id, ticketId)))
    .for("update");
  if (!ticket) throw new Error(`refreshTicketSla: no ticket ${ticketId} in tenant ${tenantId}`);
  return reconcileTicketSla(db, tx, ticket, now);
}

/** refreshTicketSla for a ticket row the caller has already locked. */
export async function reconcileTicketSla(
  db: Database,
  tx: Tx,
  ticket: TicketRow,
  now: Date,
): Promise<SlaRefresh> {
  const { rules, calendar } = await slaSettings(db, ticket.tenantId, tx);
  const policy = pickSlaPolicy(rules, ticket.serviceType, ticket.priority);
  const history = await historyOf(tx, ticket.tenantId, ticket.id, ticket.createdAt);
  const sla = computeSla({
    policy,
    calendar,
    createdAt: ticket.createdAt,
    history,
    firstResponseAt: ticket.firstResponseAt,
    resolvedAt: ticket.resolvedAt,
    now,
  });

  const breached: BreachKind[] = [];
  if (sla.responseBreached && ticket.responseBreachedAt === null) breached.push("response");
  if (sla.resolutionBreached && ticket.resolutionBreachedAt === null) breached.push("resolution");
  const deadlineOf = (kind: BreachKind) =>
    kind === "response" ? sla.responseDeadline : sla.resolutionDeadline;

  const [updated] = await tx
    .update(tickets)
    .set({
      responseDueAt: sla.responseDeadline,
      resolutionDueAt: sla.resolutionDeadline,
      slaPaused: sla.paused,
      // A breach happened when its deadline passed, whenever it is noticed.
      ...(breached.includes("response") ? { responseBreachedAt: sla.responseDeadline } : {}),
      ...(breached.includes("resolution") ? { resolutionBreachedAt: sla.resolutionDeadline } : {}),
    })
    .where(eq(tickets.id, ticket.id))
    .returning();
  if (!updated) throw new Error(`reconcileTicketSla: ticket ${ticket.id} vanished`);
  for (const kind of breached) {
    await recordEvent(tx, {
      tenantId: ticket.tenantId,
      type: eventTypes.slaBreached,
      subject: { type: "ticket", id: ticket.id },
      actor: { type: "system" },
      channel: ticket.channel,
      customerId: ticket.customerId,
      // The caller's clock, so the breach sorts after the change that revealed it in the timeline.
      occurredAt: now,
      payload: {
        ticketNumber: String(ticket.number),
        channelReferenceId: ticket.channelReferenceId,
        kind,
        deadline: deadlineOf(kind).toISOString(),
      },
    });
  }
  return { sla, breached, ticket: updated };
}
