import { z } from "@hono/zod-openapi";
import { containsCardNumber } from "../privacy/cardNumbers.js";

/**
 * Field builders whose messages read like the service-desk document's ("Nama nasabah is required",
 * "Nominal must be positive"): each names its field in words a partner's developer recognises.
 */
export function requiredText(label: string, max: number) {
  return z
    .string({
      error: (issue) => (issue.input === undefined ? `${label} is required` : `${label} must be a string`),
    })
    .trim()
    .min(1, `${label} is required`)
    .max(max, `${label} must be at most ${max} characters`);
}

function boundedText(label: string, max: number) {
  return z
    .string({ error: `${label} must be a string` })
    .trim()
    .max(max, `${label} must be at most ${max} characters`);
}

export function optionalText(label: string, max: number) {
  return boundedText(label, max).optional();
}

/** `.refine(...withoutCardNumber(label))`: a value stored as sent must not read as a card number. */
export function withoutCardNumber(label: string) {
  return [(value: string) => !containsCardNumber(value), `${label} must not contain a card number`] as const;
}

export function requiredEnum<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? `${label} is required` : `${label} must be one of ${values.join(", ")}`,
  });
}

export function optionalEnum<const T extends readonly [string, ...string[]]>(label: string, values: T) {
  return z.enum(values, { error: `${label} must be one of ${values.join(", ")}` }).optional();
}

export const isoDateTime = (label: string) =>
  z.iso.datetime({
    offset: true,
    error: `${label} must be an ISO 8601 date-time, e.g. 2024-12-19T10:30:00Z`,
  });

/**
 * An identifier a partner looks things up by later (CIF, channel reference, request id): stored as
 * sent, so one that reads as a card number is refused rather than masked, which would break the
 * lookup and could merge two partners' references into one.
 */
export function optionalIdentifier(label: string, max: number) {
  return boundedText(label, max)
    .refine(...withoutCardNumber(label))
    .optional();
}
