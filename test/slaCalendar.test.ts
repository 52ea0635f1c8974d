import { describe, expect, it } from "vitest";
import {
  addBusinessMinutes,
  alwaysOpen,
  type BusinessCalendar,
  businessMinutesBetween,
  canonicalTimeZone,
  isKnownTimeZone,
  type WorkingHoursCalendar,
} from "../src/sla/calendar.js";

const at = (iso: string) => new Date(iso);

function workingHours(
  timezone: string,
  hours: { days?: number[]; start: string; end: string; holidays?: string[] },
): WorkingHoursCalendar {
  const minute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return {
    kind: "working_hours",
    timezone,
    workingDays: hours.days ?? [1, 2, 3, 4, 5],
    dayStartMinute: minute(hours.start),
    dayEndMinute: minute(hours.end),
    holidays: hours.holidays ?? [],
  };
}

// Asia/Makassar (WITA) is UTC+8 all year: 08:00 WITA = 00:00Z.
const makassarOffice = workingHours("Asia/Makassar", {
  start: "08:00",
  end: "17:00",
  holidays: ["2024-12-25"],
});
// Europe/Amsterdam switches to CEST on 2024-03-31 at 01:00Z and back to CET on 2024-10-27 at 01:00Z.
const amsterdamOffice = workingHours("Europe/Amsterdam", { start: "09:00", end: "17:00" });

describe("the 24/7 calendar", () => {
  it("counts every minute", () => {
    expect(addBusinessMinutes(at("2024-12-19T10:30:00Z"), 6 * 60, alwaysOpen)).toEqual(
      at("2024-12-19T16:30:00Z"),
    );
    expect(businessMinutesBetween(at("2024-12-19T10:30:00Z"), at("2024-12-20T10:30:00Z"), alwaysOpen)).toBe(
      1440,
    );
    expect(businessMinutesBetween(at("2024-12-20T10:30:00Z"), at("2024-12-19T10:30:00Z"), alwaysOpen)).toBe(
      0,
    );
  });
});

describe("working hours in a zone without daylight saving (Asia/Makassar)", () => {
  it("carries what does not fit into the evening over the weekend", () => {
    // Friday 16:00 WITA + 2h: one hour on Friday, the next on Monday from 08:00.
    expect(addBusinessMinutes(at("2024-12-20T08:00:00Z"), 120, makassarOffice)).toEqual(
      at("2024-12-23T01:00:00Z"),
    );
    expect(
      businessMinutesBetween(at("2024-12-20T08:00:00Z"), at("2024-12-23T01:00:00Z"), makassarOffice),
    ).toBe(120);
  });

  it("ends at closing time when the budget runs out exactly then", () => {
    expect(addBusinessMinutes(at("2024-12-20T08:00:00Z"), 60, makassarOffice)).toEqual(
      at("2024-12-20T09:00:00Z"),
    );
  });

  it("starts the clock at opening time for a start at the weekend or before opening", () => {
    // Saturday 10:00 WITA → Monday 08:00 + 1h.
    expect(addBusinessMinutes(at("2024-12-21T02:00:00Z"), 60, makassarOffice)).toEqual(
      at("2024-12-23T01:00:00Z"),
    );
    // Monday 06:00 WITA → 08:00 + 30 min.
    expect(addBusinessMinutes(at("2024-12-22T22:00:00Z"), 30, makassarOffice)).toEqual(
      at("2024-12-23T00:30:00Z"),
    );
    // After closing, nothing counts until the next morning.
    expect(
      businessMinutesBetween(at("2024-12-19T09:30:00Z"), at("2024-12-19T23:59:00Z"), makassarOffice),
    ).toBe(0);
  });

  it("skips holidays", () => {
    // Tuesday 24 Dec 16:00 WITA + 2h: Christmas is off, so Thursday 09:00.
    expect(addBusinessMinutes(at("2024-12-24T08:00:00Z"), 120, makassarOffice)).toEqual(
      at("2024-12-26T01:00:00Z"),
    );
    expect(
      businessMinutesBetween(at("2024-12-24T16:00:00Z"), at("2024-12-26T00:00:00Z"), makassarOffice),
    ).toBe(0);
  });

  it("has no short or long days: a full-day calendar counts 1440 minutes on every date", () => {
    const allDay = workingHours("Asia/Makassar", {
      days: [1, 2, 3, 4, 5, 6, 7],
      start: "00:00",
      end: "24:00",
    });
    // 31 March local (UTC+8) runs from 30 March 16:00Z to 31 March 16:00Z.
    expect(businessMinutesBetween(at("2024-03-30T16:00:00Z"), at("2024-03-31T16:00:00Z"), allDay)).toBe(1440);
  });
});

describe("working hours across daylight saving switches (Europe/Amsterdam)", () => {
  it("keeps local opening hours on both sides of the spring switch", () => {
    // Friday 29 March 16:00 CET (15:00Z) + 2h → Monday 1 April 10:00 CEST (08:00Z).
    expect(addBusinessMinutes(at("2024-03-29T15:00:00Z"), 120, amsterdamOffice)).toEqual(
      at("2024-04-01T08:00:00Z"),
    );
    expect(
      businessMinutesBetween(at("2024-03-29T15:00:00Z"), at("2024-04-01T08:00:00Z"), amsterdamOffice),
    ).toBe(120);
  });

  it("keeps local opening hours on both sides of the autumn switch", () => {
    // Friday 25 October 16:00 CEST (14:00Z) + 2h → Monday 28 October 10:00 CET (09:00Z).
    expect(addBusinessMinutes(at("2024-10-25T14:00:00Z"), 120, amsterdamOffice)).toEqual(
      at("2024-10-28T09:00:00Z"),
    );
  });

  it("counts the 23-hour and 25-hour days as they are", () => {
    const allDay = workingHours("Europe/Amsterdam", {
      days: [1, 2, 3, 4, 5, 6, 7],
      start: "00:00",
      end: "24:00",
    });
    expect(businessMinutesBetween(at("2024-03-30T23:00:00Z"), at("2024-03-31T22:00:00Z"), allDay)).toBe(
      23 * 60,
    );
    expect(businessMinutesBetween(at("2024-10-26T22:00:00Z"), at("2024-10-27T23:00:00Z"), allDay)).toBe(
      25 * 60,
    );
    // Every hour of every local day is real time, DST or not.
    for (const start of ["2024-03-30T21:17:00Z", "2024-03-31T00:59:00Z", "2024-10-26T23:30:00Z"]) {
      for (const minutes of [1, 59, 61, 1440, 3000]) {
        expect(addBusinessMinutes(at(start), minutes, allDay)).toEqual(
          addBusinessMinutes(at(start), minutes, alwaysOpen),
        );
      }
    }
  });

  it("moves an opening time that the spring switch skips forward, and counts the repeated hour once more", () => {
    // 02:00 local does not exist on 31 March: the day runs 03:00-04:00 CEST (01:00Z-02:00Z).
    const night = workingHours("Europe/Amsterdam", { days: [7], start: "02:00", end: "04:00" });
    expect(businessMinutesBetween(at("2024-03-31T00:00:00Z"), at("2024-03-31T12:00:00Z"), night)).toBe(60);
    expect(addBusinessMinutes(at("2024-03-31T00:00:00Z"), 30, night)).toEqual(at("2024-03-31T01:30:00Z"));
    // 01:00 CEST to 04:00 CET on 27 October is four real hours (23:00Z-03:00Z).
    const longNight = workingHours("Europe/Amsterdam", { days: [7], start: "01:00", end: "04:00" });
    expect(businessMinutesBetween(at("2024-10-26T12:00:00Z"), at("2024-10-27T12:00:00Z"), longNight)).toBe(
      240,
    );
  });

  it("addBusinessMinutes and businessMinutesBetween agree for many starts and durations", () => {
    const calendars = [
      amsterdamOffice,
      makassarOffice,
      workingHours("America/New_York", {
        days: [1, 3, 5, 6],
        start: "07:30",
        end: "19:15",
        holidays: ["2024-11-06"],
      }),
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 300; i++) {
      const calendar = calendars[i % calendars.length] ?? alwaysOpen;
      const start = new Date(Date.UTC(2024, 0, 1) + Math.floor(random() * 366 * 24 * 60) * 60_000);
      const minutes = 1 + Math.floor(random() * 6000);
      const end = addBusinessMinutes(start, minutes, calendar);
      expect(businessMinutesBetween(start, end, calendar)).toBe(minutes);
    }
  });
});

describe("calendars that never work", () => {
  it("are refused at once instead of searched for a century", () => {
    const noDays: BusinessCalendar = { ...amsterdamOffice, workingDays: [] };
    const emptyDay: BusinessCalendar = { ...amsterdamOffice, dayStartMinute: 600, dayEndMinute: 600 };
    const started = performance.now();
    expect(() => addBusinessMinutes(at("2024-01-01T00:00:00Z"), 60, noDays)).toThrow(RangeError);
    expect(() => addBusinessMinutes(at("2024-01-01T00:00:00Z"), 60, emptyDay)).toThrow(RangeError);
    expect(() =>
      businessMinutesBetween(at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z"), noDays),
    ).toThrow(RangeError);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it("a long run of holidays is skipped, not looped on", () => {
    const mondays = Array.from({ length: 52 }, (_, i) =>
      new Date(Date.UTC(2024, 0, 1 + 7 * i)).toISOString().slice(0, 10),
    );
    const mondaysOnly = workingHours("Asia/Makassar", {
      days: [1],
      start: "08:00",
      end: "09:00",
      holidays: mondays,
    });
    // Every Monday of 2024 is a holiday: the first hour counted is Monday 30 December 2024.
    expect(addBusinessMinutes(at("2024-01-01T00:00:00Z"), 30, mondaysOnly)).toEqual(
      at("2024-12-30T00:30:00Z"),
    );
  });
});

describe("time zones", () => {
  it("knows IANA zones and their canonical spelling", () => {
    expect(isKnownTimeZone("Asia/Makassar")).toBe(true);
    expect(isKnownTimeZone("Mars/Olympus_Mons")).toBe(false);
    expect(canonicalTimeZone("asia/makassar")).toBe("Asia/Makassar");
  });
});
