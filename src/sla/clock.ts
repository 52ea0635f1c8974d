import type { TicketStatus } from "../tickets/vocabulary.js";
import { addBusinessMs, type BusinessCalendar, businessMsBetween } from "./calendar.js";

/** Response and resolution targets in business minutes. */
export type SlaTargets = { readonly responseMinutes: number; readonly resolutionMinutes: number };

export type StatusTransition = { readonly at: Date; readonly status: TicketStatus };

export type SlaInput = {
  policy: SlaTargets;
  calendar: BusinessCalendar;
  createdAt: Date;
  /** Status transitions in order; the first is OPEN at createdAt (added when missing). */
  history: readonly StatusTransition[];
  firstResponseAt: Date | null;
  resolvedAt: Date | null;
  now: Date;
};

export type SlaState = {
  responseDeadline: Date;
  resolutionDeadline: Date;
  /** The ticket waits on the customer: the clock is not running. */
  paused: boolean;
  responseBreached: boolean;
  resolutionBreached: boolean;
};

export type ClockPhase = "running" | "paused" | "stopped";

/** Whether business time counts in a status. Waiting on the customer pauses; a finished ticket stops. */
export function clockPhase(status: TicketStatus): ClockPhase {
  switch (status) {
    case "OPEN":
    case "IN_PROGRESS":
      return "running";
    case "PENDING":
    case "ON_HOLD":
      return "paused";
    case "RESOLVED":
    case "CLOSED":
    case "CANCELLED":
      return "stopped";
  }
}

type Segment = { from: number; to: number | null; phase: ClockPhase };

/**
 * The SLA of a ticket, derived from its status history alone, so it can be rebuilt at any time and
 * never drifts the way a stored counter would.
 *
 * Each target is a budget of business time spent while the ticket is OPEN or IN_PROGRESS. A clock
 * ends when its target is met (the first support reply; the resolution) or when the ticket stops
 * (RESOLVED, CLOSED, CANCELLED; reopening resumes it). Until then, a running clock's deadline is
 * where the budget runs out, and a paused one's is projected as if the clock resumed at `now`; after
 * it ends, the deadline is fixed. A target is breached when its deadline passed before the clock
 * ended, so a ticket closed in time never breaches afterwards.
 */
export function computeSla(input: SlaInput): SlaState {
  const { calendar, now } = input;
  const segments = segmentsOf(input.createdAt, input.history);
  const last = segments[segments.length - 1];
  const stoppedAt = stoppedSince(segments);

  const responseEnd = earliest(input.firstResponseAt, stoppedAt);
  // A resolvedAt older than the current stop belongs to an earlier resolution of a reopened ticket.
  const resolutionEnd = stoppedAt === null ? null : latest(stoppedAt, input.resolvedAt ?? stoppedAt);

  const responseDeadline = deadlineOf(input.policy.responseMinutes, segments, responseEnd, now, calendar);
  const resolutionDeadline = deadlineOf(
    input.policy.resolutionMinutes,
    segments,
    resolutionEnd,
    now,
    calendar,
  );
  return {
    responseDeadline,
    resolutionDeadline,
    paused: last?.phase === "paused",
    responseBreached: (responseEnd ?? now).getTime() > responseDeadline.getTime(),
    resolutionBreached: (resolutionEnd ?? now).getTime() > resolutionDeadline.getTime(),
  };
}

function segmentsOf(createdAt: Date, history: readonly StatusTransition[]): Segment[] {
  const start = createdAt.getTime();
  const changes = [...history]
    .map((h) => ({ at: Math.max(h.at.getTime(), start), status: h.status }))
    .sort((a, b) => a.at - b.at);
  if (changes[0]?.at !== start) changes.unshift({ at: start, status: "OPEN" });
  return changes.map((change, i) => ({
    from: change.at,
    to: changes[i + 1]?.at ?? null,
    phase: clockPhase(change.status),
  }));
}

/** When the ticket entered the stopped state it is still in, or null if it is not stopped. */
function stoppedSince(segments: readonly Segment[]): Date | null {
  let since: number | null = null;
  for (let i = segments.length - 1; i >= 0 && segments[i]?.phase === "stopped"; i--) {
    since = segments[i]?.from ?? null;
  }
  return since === null ? null : new Date(since);
}

function deadlineOf(
  targetMinutes: number,
  segments: readonly Segment[],
  end: Date | null,
  now: Date,
  calendar: BusinessCalendar,
): Date {
  const endMs = end?.getTime() ?? null;
  let remaining = Math.round(targetMinutes * 60_000);
  let lastStart = segments[0]?.from ?? now.getTime();
  for (const segment of segments) {
    if (endMs !== null && segment.from >= endMs) break;
    lastStart = segment.from;
    if (segment.phase !== "running") continue;
    const to = endMs !== null && (segment.to === null || segment.to > endMs) ? endMs : segment.to;
    const from = new Date(segment.from);
    // Business time never runs faster than real time: a segment shorter than the budget cannot hold
    // the deadline. Otherwise search forward, which costs the days up to the deadline rather than
    // the days of a segment that may have lasted months.
    if (to === null || to - segment.from >= remaining) {
      const reached = addBusinessMs(from, remaining, calendar);
      if (to === null || reached.getTime() <= to) return reached;
    }
    remaining -= businessMsBetween(from, new Date(to), calendar);
  }
  // The budget was not used up: the clock ended with time to spare, or it is paused right now.
  const resumeAt = end ?? new Date(Math.max(now.getTime(), lastStart));
  return addBusinessMs(resumeAt, remaining, calendar);
}

function earliest(a: Date | null, b: Date | null): Date | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.getTime() <= b.getTime() ? a : b;
}

function latest(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
