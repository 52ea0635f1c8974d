import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import type { Database } from "../db/client.js";
import { tickets } from "../db/schema/index.js";
import { type BreachKind, reconcileTicketSla } from "./service.js";

/** Tickets examined per run; a full batch means the next tick has more to do. */
const defaultBatchSize = 200;

export type BreachScanResult = {
  examined: number;
  breaches: Array<{ ticketId: string; kind: BreachKind }>;
};

/**
 * The scan's two candidate queries, each the first `limit` entries of its partial index in deadline
 * order (tickets_sla_response_idx, tickets_sla_open_idx): open tickets whose clock runs, not yet
 * marked, whose deadline passed. Every condition is in the index's predicate or its key, so a tick
 * reads `limit` index entries however many tickets are open; a paused clock (a ticket waiting on its
 * customer) is not in the indexes at all, or every tick would walk past those. One OR over both
 * deadlines would read the whole table. Written as literals, not parameters, so the planner matches
 * the predicates.
 */
export function breachCandidates(db: Database, now: Date, limit: number) {
  const runningOpen = sql`${tickets.status} NOT IN ('RESOLVED', 'CLOSED', 'CANCELLED') AND NOT ${tickets.slaPaused}`;
  return [
    db
      .select({ id: tickets.id })
      .from(tickets)
      .where(
        and(
          runningOpen,
          isNull(tickets.responseBreachedAt),
          isNull(tickets.firstResponseAt),
          lt(tickets.responseDueAt, now),
        ),
      )
      .orderBy(asc(tickets.responseDueAt))
      .limit(limit),
    db
      .select({ id: tickets.id })
      .from(tickets)
      .where(and(runningOpen, isNull(tickets.resolutionBreachedAt), lt(tickets.resolutionDueAt, now)))
      .orderBy(asc(tickets.resolutionDueAt))
      .limit(limit),
  ] as const;
}

/**
 * Marks the tickets whose SLA is breached at `now` and records an SLA_BREACHED event for each
 * breach. The stored due dates only nominate candidates; each is re-verified from its rebuilt
 * history in its own transaction with the row locked, and a ticket another transaction holds is left
 * for that transaction's refreshTicketSla (or the next run). A kind is marked once per ticket, so
 * running twice changes nothing. A ticket that fails does not stop the others; the run then throws.
 */
export async function scanSlaBreaches(
  db: Database,
  now: Date,
  options: { batchSize?: number } = {},
): Promise<BreachScanResult> {
  const limit = options.batchSize ?? defaultBatchSize;
  const [late, overdue] = await Promise.all(breachCandidates(db, now, limit));
  const candidates = [...new Set([...late, ...overdue].map((t) => t.id))]
    .slice(0, limit)
    .map((id) => ({ id }));

  const breaches: BreachScanResult["breaches"] = [];
  const failures: unknown[] = [];
  for (const candidate of candidates) {
    try {
      const marked = await db.transaction(async (tx) => {
        const [ticket] = await tx
          .select()
          .from(tickets)
          .where(eq(tickets.id, candidate.id))
          .for("update", { skipLocked: true });
        return ticket ? (await reconcileTicketSla(db, tx, ticket, now)).breached : [];
      });
      for (const kind of marked) breaches.push({ ticketId: candidate.id, kind });
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(failures, `SLA scan: ${failures.length} of ${candidates.length} tickets failed`);
  }
  return { examined: candidates.length, breaches };
}
