import { describe, expect, it } from "vitest";
import { alwaysOpen, type BusinessCalendar } from "../src/sla/calendar.js";
import { computeSla, type SlaInput, type StatusTransition } from "../src/sla/clock.js";
import { defaultSlaPolicy, effectivePolicies, pickSlaPolicy } from "../src/sla/policies.js";
import { priorities, serviceTypes, type TicketStatus } from "../src/tickets/vocabulary.js";

const at = (iso: string) => new Date(iso);
const created = at("2024-12-19T10:30:00Z");
const highTechnical = defaultSlaPolicy("TECHNICAL_SUPPORT", "HIGH");

/** A HIGH technical ticket of the document, created 2024-12-19T10:30Z, on the 24/7 calendar unless told. */
function sla(overrides: Partial<SlaInput> & { changes?: Array<[string, TicketStatus]> } = {}) {
  const { changes = [], ...rest } = overrides;
  const history: StatusTransition[] = [
    { at: created, status: "OPEN" },
    ...changes.map(([iso, status]) => ({ at: at(iso), status })),
  ];
  return computeSla({
    policy: highTechnical,
    calendar: alwaysOpen,
    createdAt: created,
    history,
    firstResponseAt: null,
    resolvedAt: null,
    now: at("2024-12-19T11:00:00Z"),
    ...rest,
  });
}

describe("the document's examples, from the built-in defaults and the 24/7 calendar", () => {
  it("a HIGH technical ticket created 10:30Z answers by 16:30Z and resolves by 10:30Z the next day", () => {
    expect(sla()).toEqual({
      responseDeadline: at("2024-12-19T16:30:00.000Z"),
      resolutionDeadline: at("2024-12-20T10:30:00.000Z"),
      paused: false,
      responseBreached: false,
      resolutionBreached: false,
    });
  });

  it("a claim created 10:30Z resolves by 2024-12-22T10:30Z, whatever its priority", () => {
    for (const priority of priorities) {
      const result = sla({ policy: defaultSlaPolicy("CLAIM", priority) });
      expect(result.resolutionDeadline).toEqual(at("2024-12-22T10:30:00Z"));
      expect(result.responseDeadline).toEqual(
        new Date(created.getTime() + defaultSlaPolicy("GENERAL_REQUEST", priority).responseMinutes * 60_000),
      );
    }
  });
});

describe("the built-in policy table", () => {
  it("has the general targets per priority and 72 hours to resolve a claim", () => {
    const hours = (st: (typeof serviceTypes)[number], p: (typeof priorities)[number]) => {
      const policy = defaultSlaPolicy(st, p);
      return [policy.responseMinutes / 60, policy.resolutionMinutes / 60];
    };
    for (const st of serviceTypes.filter((s) => s !== "CLAIM")) {
      expect([hours(st, "CRITICAL"), hours(st, "HIGH"), hours(st, "MEDIUM"), hours(st, "LOW")]).toEqual([
        [2, 8],
        [6, 24],
        [12, 48],
        [24, 72],
      ]);
    }
    expect([
      hours("CLAIM", "CRITICAL"),
      hours("CLAIM", "HIGH"),
      hours("CLAIM", "MEDIUM"),
      hours("CLAIM", "LOW"),
    ]).toEqual([
      [2, 72],
      [6, 72],
      [12, 72],
      [24, 72],
    ]);
  });

  it("a tenant's rule for the service type wins over its rule for any service type, which wins over the default", () => {
    const rules = [
      {
        serviceType: "TECHNICAL_SUPPORT",
        priority: "HIGH" as const,
        responseMinutes: 60,
        resolutionMinutes: 240,
      },
      { serviceType: null, priority: "HIGH" as const, responseMinutes: 180, resolutionMinutes: 600 },
      { serviceType: "CLAIM", priority: "LOW" as const, responseMinutes: 30, resolutionMinutes: 90 },
    ];
    expect(pickSlaPolicy(rules, "TECHNICAL_SUPPORT", "HIGH")).toMatchObject({
      responseMinutes: 60,
      source: "tenant",
    });
    expect(pickSlaPolicy(rules, "CLAIM", "HIGH")).toMatchObject({
      responseMinutes: 180,
      resolutionMinutes: 600,
      source: "tenant_any_service_type",
    });
    expect(pickSlaPolicy(rules, "CLAIM", "MEDIUM")).toMatchObject({
      resolutionMinutes: 72 * 60,
      source: "built_in",
    });
    expect(pickSlaPolicy(rules, null, "HIGH")).toMatchObject({ responseMinutes: 180, source: "tenant" });
    expect(pickSlaPolicy(rules, null, "LOW")).toMatchObject({ responseMinutes: 24 * 60, source: "built_in" });
    expect(effectivePolicies(rules)).toHaveLength((serviceTypes.length + 1) * priorities.length);
  });
});

describe("pausing while the ticket waits on the customer", () => {
  it("does not count PENDING or ON_HOLD time", () => {
    // 2h open, 2h pending, then in progress again: both deadlines move by the 2 paused hours.
    const result = sla({
      changes: [
        ["2024-12-19T12:30:00Z", "PENDING"],
        ["2024-12-19T14:30:00Z", "IN_PROGRESS"],
        ["2024-12-19T15:00:00Z", "ON_HOLD"],
        ["2024-12-19T16:00:00Z", "IN_PROGRESS"],
      ],
      now: at("2024-12-19T17:00:00Z"),
    });
    expect(result.responseDeadline).toEqual(at("2024-12-19T19:30:00Z"));
    expect(result.resolutionDeadline).toEqual(at("2024-12-20T13:30:00Z"));
    expect(result).toMatchObject({ paused: false, responseBreached: false, resolutionBreached: false });
  });

  it("while paused, projects the deadlines as if the clock resumed now", () => {
    const changes: Array<[string, TicketStatus]> = [["2024-12-19T12:30:00Z", "PENDING"]];
    const soon = sla({ changes, now: at("2024-12-19T13:00:00Z") });
    expect(soon).toMatchObject({ paused: true, responseBreached: false, resolutionBreached: false });
    expect(soon.responseDeadline).toEqual(at("2024-12-19T17:00:00Z"));
    expect(soon.resolutionDeadline).toEqual(at("2024-12-20T11:00:00Z"));
    // Two days later, still waiting on the customer: still 4 and 22 hours left, nothing breached.
    const later = sla({ changes, now: at("2024-12-21T13:00:00Z") });
    expect(later.responseDeadline).toEqual(at("2024-12-21T17:00:00Z"));
    expect(later.resolutionDeadline).toEqual(at("2024-12-22T11:00:00Z"));
    expect(later).toMatchObject({ paused: true, responseBreached: false, resolutionBreached: false });
  });

  it("a deadline that passed before the pause stays breached", () => {
    const result = sla({ changes: [["2024-12-19T17:00:00Z", "PENDING"]], now: at("2024-12-19T18:00:00Z") });
    expect(result).toMatchObject({ paused: true, responseBreached: true, resolutionBreached: false });
    expect(result.responseDeadline).toEqual(at("2024-12-19T16:30:00Z"));
  });

  it("reads the history in time order, and starts it OPEN at creation when the caller left that out", () => {
    const ordered = sla({
      changes: [
        ["2024-12-19T12:30:00Z", "PENDING"],
        ["2024-12-19T14:30:00Z", "IN_PROGRESS"],
      ],
    });
    const shuffled = computeSla({
      policy: highTechnical,
      calendar: alwaysOpen,
      createdAt: created,
      history: [
        { at: at("2024-12-19T14:30:00Z"), status: "IN_PROGRESS" },
        { at: at("2024-12-19T12:30:00Z"), status: "PENDING" },
      ],
      firstResponseAt: null,
      resolvedAt: null,
      now: at("2024-12-19T11:00:00Z"),
    });
    expect(shuffled).toEqual(ordered);
  });
});

describe("the response target", () => {
  it("is met by a first reply before the deadline, however late it is now", () => {
    const result = sla({ firstResponseAt: at("2024-12-19T16:00:00Z"), now: at("2024-12-19T23:00:00Z") });
    expect(result.responseBreached).toBe(false);
    expect(result.responseDeadline).toEqual(at("2024-12-19T16:30:00Z"));
  });

  it("is breached by a first reply after the deadline, or by no reply once the deadline passed", () => {
    expect(
      sla({ firstResponseAt: at("2024-12-19T16:31:00Z"), now: at("2024-12-19T17:00:00Z") }).responseBreached,
    ).toBe(true);
    expect(sla({ now: at("2024-12-19T16:30:00Z") }).responseBreached).toBe(false);
    expect(sla({ now: at("2024-12-19T16:30:01Z") }).responseBreached).toBe(true);
  });

  it("keeps its deadline once met: a later pause does not move it", () => {
    const result = sla({
      firstResponseAt: at("2024-12-19T11:00:00Z"),
      changes: [["2024-12-19T11:00:00Z", "PENDING"]],
      now: at("2024-12-22T09:00:00Z"),
    });
    expect(result.responseDeadline).toEqual(at("2024-12-19T16:30:00Z"));
    expect(result.responseBreached).toBe(false);
  });
});

describe("the resolution target", () => {
  it("is met by resolving in time, and the deadline stops moving", () => {
    const changes: Array<[string, TicketStatus]> = [["2024-12-20T09:00:00Z", "RESOLVED"]];
    const resolvedAt = at("2024-12-20T09:00:00Z");
    const result = sla({
      changes,
      resolvedAt,
      firstResponseAt: at("2024-12-19T11:00:00Z"),
      now: at("2025-01-31T00:00:00Z"),
    });
    expect(result).toMatchObject({ paused: false, responseBreached: false, resolutionBreached: false });
    expect(result.resolutionDeadline).toEqual(at("2024-12-20T10:30:00Z"));
  });

  it("is breached by resolving late", () => {
    const result = sla({
      changes: [["2024-12-20T11:00:00Z", "RESOLVED"]],
      resolvedAt: at("2024-12-20T11:00:00Z"),
      firstResponseAt: at("2024-12-19T11:00:00Z"),
      now: at("2024-12-20T11:00:00Z"),
    });
    expect(result).toMatchObject({ responseBreached: false, resolutionBreached: true });
  });

  it("stops for good when the ticket is cancelled or closed unresolved in time", () => {
    const cancelled = sla({
      changes: [["2024-12-19T12:00:00Z", "CANCELLED"]],
      now: at("2025-06-01T00:00:00Z"),
    });
    expect(cancelled).toMatchObject({ paused: false, responseBreached: false, resolutionBreached: false });
    expect(cancelled.responseDeadline).toEqual(at("2024-12-19T16:30:00Z"));
    expect(cancelled.resolutionDeadline).toEqual(at("2024-12-20T10:30:00Z"));
    // Closed after the resolution deadline had passed: that breach happened and stays.
    const closedLate = sla({
      firstResponseAt: at("2024-12-19T11:00:00Z"),
      changes: [["2024-12-21T00:00:00Z", "CLOSED"]],
      now: at("2025-06-01T00:00:00Z"),
    });
    expect(closedLate).toMatchObject({ responseBreached: false, resolutionBreached: true });
  });

  it("resumes when a resolved ticket is reopened", () => {
    // 10 h open, 12 h resolved, then in progress again: 14 h left from the reopening.
    const result = sla({
      changes: [
        ["2024-12-19T20:30:00Z", "RESOLVED"],
        ["2024-12-20T08:30:00Z", "IN_PROGRESS"],
      ],
      firstResponseAt: at("2024-12-19T11:00:00Z"),
      resolvedAt: null,
      now: at("2024-12-20T12:00:00Z"),
    });
    expect(result.resolutionDeadline).toEqual(at("2024-12-20T22:30:00Z"));
    expect(result.resolutionBreached).toBe(false);
  });
});

describe("business hours and pauses together", () => {
  // Mon-Fri 08:00-17:00 WITA (UTC+8); 2024-12-19 is a Thursday.
  const makassar: BusinessCalendar = {
    kind: "working_hours",
    timezone: "Asia/Makassar",
    workingDays: [1, 2, 3, 4, 5],
    dayStartMinute: 8 * 60,
    dayEndMinute: 17 * 60,
    holidays: ["2024-12-23"],
  };
  const thursday3pm = at("2024-12-19T07:00:00Z");

  it("spends the budget in working hours only, skipping the weekend and holidays", () => {
    const result = computeSla({
      policy: highTechnical,
      calendar: makassar,
      createdAt: thursday3pm,
      history: [{ at: thursday3pm, status: "OPEN" }],
      firstResponseAt: null,
      resolvedAt: null,
      now: thursday3pm,
    });
    // Response: 2h Thursday + 4h Friday → Friday 12:00 WITA.
    expect(result.responseDeadline).toEqual(at("2024-12-20T04:00:00Z"));
    // Resolution: 2h Thu + 9h Fri, Monday 23rd is a holiday, 9h Tue, 4h Wed → Wednesday 12:00 WITA.
    expect(result.resolutionDeadline).toEqual(at("2024-12-25T04:00:00Z"));
  });

  it("a pause inside working hours moves the deadline by the working time it covered", () => {
    const result = computeSla({
      policy: highTechnical,
      calendar: makassar,
      createdAt: thursday3pm,
      history: [
        { at: thursday3pm, status: "OPEN" },
        { at: at("2024-12-20T02:00:00Z"), status: "PENDING" }, // Friday 10:00 WITA
        { at: at("2024-12-20T06:00:00Z"), status: "IN_PROGRESS" }, // Friday 14:00 WITA
      ],
      firstResponseAt: null,
      resolvedAt: null,
      now: at("2024-12-20T06:00:00Z"),
    });
    // 2h Thursday + 2h Friday morning, then 2h from 14:00 → Friday 16:00 WITA.
    expect(result.responseDeadline).toEqual(at("2024-12-20T08:00:00Z"));
  });
});

describe("against a minute-by-minute reference clock", () => {
  // Asia/Makassar is UTC+8 all year, so the reference can find working minutes by arithmetic alone.
  const calendar: BusinessCalendar = {
    kind: "working_hours",
    timezone: "Asia/Makassar",
    workingDays: [1, 2, 3, 4, 5],
    dayStartMinute: 8 * 60,
    dayEndMinute: 17 * 60,
    holidays: ["2025-01-01"],
  };
  const minute = 60_000;
  const isWorkingMinute = (t: number) => {
    const local = new Date(t + 8 * 3600_000);
    const weekday = local.getUTCDay();
    const minuteOfDay = local.getUTCHours() * 60 + local.getUTCMinutes();
    const date = local.toISOString().slice(0, 10);
    return weekday >= 1 && weekday <= 5 && minuteOfDay >= 480 && minuteOfDay < 1020 && date !== "2025-01-01";
  };
  /** The minute at whose end the running clock has counted `target` working minutes. */
  function referenceDeadline(createdAt: number, history: StatusTransition[], target: number): number {
    let counted = 0;
    for (let t = createdAt; ; t += minute) {
      const status = history.filter((h) => h.at.getTime() <= t).at(-1)?.status ?? "OPEN";
      if ((status === "OPEN" || status === "IN_PROGRESS") && isWorkingMinute(t)) counted++;
      if (counted === target) return t + minute;
    }
  }

  it("agrees on every deadline for tickets that paused and resumed at random times", () => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    for (let i = 0; i < 40; i++) {
      const createdAt = Date.UTC(2024, 11, 20) + random(14 * 24 * 60) * minute;
      const history: StatusTransition[] = [{ at: new Date(createdAt), status: "OPEN" }];
      let t = createdAt;
      for (let n = random(6); n > 0; n--) {
        t += (1 + random(3 * 24 * 60)) * minute;
        history.push({
          at: new Date(t),
          status: (["PENDING", "ON_HOLD", "IN_PROGRESS"] as const)[random(3)] ?? "PENDING",
        });
      }
      t += (1 + random(24 * 60)) * minute;
      history.push({ at: new Date(t), status: "IN_PROGRESS" });
      const policy = { responseMinutes: 1 + random(12 * 60), resolutionMinutes: 12 * 60 + random(60 * 60) };
      const result = computeSla({
        policy,
        calendar,
        createdAt: new Date(createdAt),
        history,
        firstResponseAt: null,
        resolvedAt: null,
        now: new Date(t),
      });
      expect(result.responseDeadline.getTime()).toBe(
        referenceDeadline(createdAt, history, policy.responseMinutes),
      );
      expect(result.resolutionDeadline.getTime()).toBe(
        referenceDeadline(createdAt, history, policy.resolutionMinutes),
      );
    }
  });
});
