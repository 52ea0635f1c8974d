import { z } from "@hono/zod-openapi";
import { requireScope } from "../auth/middleware.js";
import { staffId } from "../users/schemas.js";

/** What the Rail's routes share: scopes, tags, the fields their bodies name things with. */
export const railReadScope = requireScope("omni:read");
export const railWriteScope = requireScope("omni:write");

/** A user of the tenant named in a request (see src/users): the Rail refuses unknown ids. */
export const userRef = (example: string) => staffId(example);

export const isoDateTime = (example: string) =>
  z.iso
    .datetime({ offset: true, error: "must be an ISO 8601 date-time, e.g. 2024-01-15T00:00:00Z" })
    .openapi({ example });

export const money = z
  .object(
    {
      amount: z
        .number({ error: "must be a number" })
        .nonnegative("must not be negative")
        .max(1e15, "is too large")
        .openapi({ example: 500000 }),
      currency: z
        .string({ error: "is required" })
        .regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as SAR")
        .openapi({ example: "SAR" }),
    },
    { error: 'must be an object: { "amount", "currency" }' },
  )
  .openapi("Money");

export const optionalText = (max: number, example: string) =>
  z.string({ error: "must be a string" }).max(max, `must be at most ${max} characters`).openapi({ example });

/** A Rail id in a path: bounded, so hostile input is a 404 or 400, never a scan. */
export const railIdParam = (example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(100)
      .openapi({ param: { name: "id", in: "path" }, example }),
  });

export const railTags = {
  templates: ["Rail: journey templates"],
  journeys: ["Rail: journeys"],
  approvals: ["Rail: approvals"],
  delegations: ["Rail: delegations"],
  timeline: ["Rail: timeline"],
};
