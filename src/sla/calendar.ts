/**
 * Business time: when the SLA clock runs. Pure functions over instants; the only time-zone source is
 * Intl.DateTimeFormat, so a calendar in a zone that observes daylight saving (Europe/Amsterdam) gets
 * a 23- or 25-hour day where the zone has one, and a zone without it (Asia/Makassar) never does.
 */

/** The desk's working hours in one IANA zone. */
export type WorkingHours = {
  /** IANA zone the working hours and holidays are in, e.g. Asia/Makassar. */
  readonly timezone: string;
  /** ISO weekdays the desk works: 1 = Monday ... 7 = Sunday. */
  readonly workingDays: readonly number[];
  /** Minutes after local midnight when the working day starts (0..1439) and ends (1..1440). */
  readonly dayStartMinute: number;
  readonly dayEndMinute: number;
  /** Local dates (YYYY-MM-DD) when the desk does not work. */
  readonly holidays: readonly string[];
};

export type WorkingHoursCalendar = { readonly kind: "working_hours" } & WorkingHours;
export type BusinessCalendar = { readonly kind: "always_open" } | WorkingHoursCalendar;

/** A tenant without a calendar: every hour of every day counts. */
export const alwaysOpen: BusinessCalendar = { kind: "always_open" };

const minuteMs = 60_000;
const dayMs = 86_400_000;
/** No deadline is searched for further than this; a calendar that never works cannot loop forever. */
const maxScanDays = 100 * 366;

export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar): Date {
  return addBusinessMs(start, Math.round(minutes * minuteMs), calendar);
}

/** Business minutes in [from, to); 0 when to is not after from. May have a fraction. */
export function businessMinutesBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  return businessMsBetween(from, to, calendar) / minuteMs;
}

/** The instant `durationMs` of business time after `start` (start itself may be outside working hours). */
export function addBusinessMs(start: Date, durationMs: number, calendar: BusinessCalendar): Date {
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`business duration must be a finite, non-negative number of ms: ${durationMs}`);
  }
  if (calendar.kind === "always_open" || durationMs === 0) return new Date(start.getTime() + durationMs);
  const holidays = holidaysOf(calendar);
  const from = start.getTime();
  let remaining = durationMs;
  const firstDay = localDayNumber(from, calendar.timezone);
  for (let day = firstDay; day < firstDay + maxScanDays; day++) {
    const window = workingWindow(day, calendar, holidays);
    if (!window) continue;
    const opensAt = Math.max(window.start, from);
    if (opensAt >= window.end) continue;
    const available = window.end - opensAt;
    if (remaining <= available) return new Date(opensAt + remaining);
    remaining -= available;
  }
  throw new RangeError(
    `the calendar has no working time within ${maxScanDays} days of ${start.toISOString()}`,
  );
}

/** Business milliseconds in [from, to). */
export function businessMsBetween(from: Date, to: Date, calendar: BusinessCalendar): number {
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs <= fromMs) return 0;
  if (calendar.kind === "always_open") return toMs - fromMs;
  const holidays = holidaysOf(calendar);
  const lastDay = localDayNumber(toMs, calendar.timezone);
  let total = 0;
  // One pass per local day in the range: bounded by the range itself.
  for (let day = localDayNumber(fromMs, calendar.timezone); day <= lastDay; day++) {
    const window = workingWindow(day, calendar, holidays);
    if (!window) continue;
    const overlap = Math.min(window.end, toMs) - Math.max(window.start, fromMs);
    if (overlap > 0) total += overlap;
  }
  return total;
}

/** True when Intl knows the zone (IANA names, case-insensitive, and links such as Asia/Ujung_Pandang). */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The zone's name as Intl spells it, e.g. "asia/makassar" → "Asia/Makassar". */
export function canonicalTimeZone(timezone: string): string {
  return new Intl.DateTimeFormat("en-US", { timeZone: timezone }).resolvedOptions().timeZone;
}

/** Validation rejects these; the math refuses them too rather than scan 100 years for nothing. */
/**
 * A calendar's holidays as a set, once it is known to have working time: checked and built once per
 * calendar object (calendars come from the settings cache, and every SLA computation asks).
 */
const holidaySets = new WeakMap<WorkingHours, ReadonlySet<string>>();

function holidaysOf(calendar: WorkingHours): ReadonlySet<string> {
  let holidays = holidaySets.get(calendar);
  if (!holidays) {
    assertWorks(calendar);
    holidays = new Set(calendar.holidays);
    holidaySets.set(calendar, holidays);
  }
  return holidays;
}

function assertWorks(calendar: WorkingHours): void {
  const worksSomeDay = calendar.workingDays.some((d) => Number.isInteger(d) && d >= 1 && d <= 7);
  if (!worksSomeDay || calendar.dayEndMinute <= calendar.dayStartMinute) {
    throw new RangeError(
      "the calendar has no working time: no working day, or the day ends before it starts",
    );
  }
}

/** [start, end) of the working hours on one local day, as instants; null on a day off. */
function workingWindow(
  day: number,
  calendar: WorkingHours,
  holidays: ReadonlySet<string>,
): { start: number; end: number } | null {
  if (!calendar.workingDays.includes(isoWeekday(day))) return null;
  if (holidays.size > 0 && holidays.has(isoDate(day))) return null;
  const start = wallTimeToInstant(day * dayMs + calendar.dayStartMinute * minuteMs, calendar.timezone);
  const end = wallTimeToInstant(day * dayMs + calendar.dayEndMinute * minuteMs, calendar.timezone);
  return end > start ? { start, end } : null;
}

// A local day is numbered as days since 1970-01-01, the same numbering UTC dates have.
function isoWeekday(day: number): number {
  return ((new Date(day * dayMs).getUTCDay() + 6) % 7) + 1;
}

function isoDate(day: number): string {
  return new Date(day * dayMs).toISOString().slice(0, 10);
}

function localDayNumber(instantMs: number, timezone: string): number {
  return Math.floor((instantMs + offsetMs(instantMs, timezone)) / dayMs);
}

/**
 * The instant a local wall-clock time (given as ms since the epoch as if the zone were UTC) happens.
 * A wall time skipped by a spring-forward gap moves forward by the gap (02:30 → 03:30); one that
 * happens twice at fall-back resolves to the later occurrence. Luxon resolves them the same way.
 */
function wallTimeToInstant(wallMs: number, timezone: string): number {
  const guessOffset = offsetMs(wallMs, timezone);
  const first = wallMs - guessOffset;
  const firstOffset = offsetMs(first, timezone);
  if (firstOffset === guessOffset) return first;
  const second = wallMs - firstOffset;
  const secondOffset = offsetMs(second, timezone);
  if (secondOffset === firstOffset) return second;
  return wallMs - Math.min(firstOffset, secondOffset);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timezone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timezone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timezone, formatter);
  }
  return formatter;
}

/** The zone's UTC offset at an instant, in ms (Asia/Makassar: +8 h). */
function offsetMs(instantMs: number, timezone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timezone).formatToParts(new Date(instantMs))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - (instantMs - (((instantMs % 1000) + 1000) % 1000));
}
