import { z } from "@hono/zod-openapi";
import { priorities, serviceTypes } from "../tickets/vocabulary.js";
import { isKnownTimeZone, type WorkingHours } from "./calendar.js";
import { type EffectivePolicy, hoursFromMinutes, minutesFromHours, type PolicySource } from "./policies.js";

// ---- SLA policies ----

const policySources = [
  "tenant",
  "tenant_any_service_type",
  "built_in",
] as const satisfies readonly PolicySource[];
/** A year and a day: far beyond any service desk's target, short enough to keep deadline searches small. */
const maxHours = 24 * 366;

const hoursField = (example: number) =>
  z
    .number()
    .positive("must be more than 0")
    .max(maxHours, `must be at most ${maxHours}`)
    .refine((h) => minutesFromHours(h) >= 1, "must be at least one minute (1/60 hour)")
    .openapi({ example, description: "Hours of business time; decimals allowed, kept to the minute" });

export const slaRuleInputSchema = z
  .object({
    serviceType: z
      .enum(serviceTypes)
      .nullable()
      .optional()
      .openapi({ description: "Absent or null: every service type without a rule of its own" }),
    priority: z.enum(priorities),
    responseHours: hoursField(6),
    resolutionHours: hoursField(24),
  })
  .refine((r) => r.responseHours <= r.resolutionHours, {
    path: ["responseHours"],
    message: "must not exceed resolutionHours",
  })
  .openapi("SlaPolicyRule");

export const putSlaPoliciesSchema = z
  .object({
    policies: z
      .array(slaRuleInputSchema)
      .min(1)
      .max(serviceTypes.length * priorities.length + 4),
  })
  .superRefine((body, ctx) => {
    const seen = new Set<string>();
    body.policies.forEach((rule, i) => {
      const key = `${rule.serviceType ?? "*"}/${rule.priority}`;
      if (seen.has(key)) {
        ctx.addIssue({
          code: "custom",
          path: ["policies", i, "priority"],
          message: "repeats an earlier rule for the same serviceType and priority",
        });
      }
      seen.add(key);
    });
  })
  .openapi("SlaPoliciesUpdate");

export const deleteSlaPolicyQuery = z.object({
  priority: z.enum(priorities),
  serviceType: z
    .enum(serviceTypes)
    .optional()
    .openapi({ description: "Absent: the rule for every service type of this priority" }),
});

export const effectivePolicySchema = z
  .object({
    serviceType: z
      .enum(serviceTypes)
      .nullable()
      .openapi({ description: "null: what applies to a service type without a rule of its own" }),
    priority: z.enum(priorities),
    responseHours: z.number().openapi({ example: 6 }),
    resolutionHours: z.number().openapi({ example: 24 }),
    source: z.enum(policySources).openapi({
      description:
        "tenant: the tenant's rule for this service type; tenant_any_service_type: its rule for every " +
        "service type; built_in: the default",
    }),
  })
  .openapi("SlaPolicy");

export function effectivePolicyView(p: EffectivePolicy): z.infer<typeof effectivePolicySchema> {
  return {
    serviceType: p.serviceType,
    priority: p.priority,
    responseHours: hoursFromMinutes(p.responseMinutes),
    resolutionHours: hoursFromMinutes(p.resolutionMinutes),
    source: p.source,
  };
}

// ---- Business calendar ----

const minuteOfDay = (description: string) => z.int().openapi({ description });

export const businessCalendarInputSchema = z
  .object({
    timezone: z
      .string()
      .refine(isKnownTimeZone, "is not a known IANA time zone, e.g. Asia/Makassar")
      .openapi({ example: "Asia/Makassar" }),
    workingDays: z
      .array(z.int().min(1, "must be 1 (Monday) to 7 (Sunday)").max(7, "must be 1 (Monday) to 7 (Sunday)"))
      .min(1, "must name at least one working day")
      .refine((days) => new Set(days).size === days.length, "names a day twice")
      .openapi({ description: "ISO weekdays: 1 = Monday ... 7 = Sunday", example: [1, 2, 3, 4, 5] }),
    dayStartMinute: minuteOfDay("Minutes after local midnight the working day starts, 0..1439")
      .min(0)
      .max(1439)
      .openapi({ example: 480 }),
    dayEndMinute: minuteOfDay("Minutes after local midnight the working day ends, 1..1440")
      .min(1)
      .max(1440)
      .openapi({ example: 1020 }),
    holidays: z
      .array(z.iso.date("must be a date as YYYY-MM-DD"))
      .max(1000)
      .default([])
      .openapi({ description: "Local dates the desk does not work", example: ["2025-08-17"] }),
  })
  .refine((c) => c.dayStartMinute < c.dayEndMinute, {
    path: ["dayEndMinute"],
    message: "must be after dayStartMinute",
  })
  .openapi("BusinessCalendarUpdate");

export const businessCalendarSchema = z
  .object({
    timezone: z.string().openapi({ example: "Asia/Makassar" }),
    workingDays: z.array(z.int()).openapi({ example: [1, 2, 3, 4, 5] }),
    dayStartMinute: z.int().openapi({ example: 480 }),
    dayEndMinute: z.int().openapi({ example: 1020 }),
    holidays: z.array(z.string()).openapi({ example: ["2025-08-17"] }),
    isDefault: z.boolean().openapi({
      description: "true: the tenant has no calendar; the SLA clock runs every hour of every day",
    }),
  })
  .openapi("BusinessCalendar");

/** The 24/7 default, spelled as working hours so the API has one shape. */
const everyHourOfEveryDay: WorkingHours = {
  timezone: "UTC",
  workingDays: [1, 2, 3, 4, 5, 6, 7],
  dayStartMinute: 0,
  dayEndMinute: 1440,
  holidays: [],
};

export function businessCalendarView(
  hours: WorkingHours | undefined,
): z.infer<typeof businessCalendarSchema> {
  const shown = hours ?? everyHourOfEveryDay;
  return {
    timezone: shown.timezone,
    workingDays: [...shown.workingDays],
    dayStartMinute: shown.dayStartMinute,
    dayEndMinute: shown.dayEndMinute,
    holidays: [...shown.holidays],
    isDefault: hours === undefined,
  };
}
