import { z } from "@hono/zod-openapi";
import type { AppError } from "../errors.js";

/**
 * How each API family prints an AppError. The service desk keeps the envelope its partners
 * already parse; everything else (/api/v1, the admin API, the hub's own routes) shares one shape.
 */
export type ApiFamily = "serviceDesk" | "v1";

export function familyOf(path: string): ApiFamily {
  return path === "/api/omnichannel" || path.startsWith("/api/omnichannel/") ? "serviceDesk" : "v1";
}

export const serviceDeskErrorSchema = z
  .object({
    success: z.literal(false),
    message: z.string().openapi({ example: "Validation failed" }),
    errors: z
      .record(z.string(), z.string())
      .openapi({ example: { namaNasabah: "Nama nasabah is required", nominal: "Nominal must be positive" } }),
  })
  .openapi("ServiceDeskError");

export const v1ErrorSchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "VALIDATION_FAILED" }),
      message: z.string().openapi({ example: "Validation failed" }),
      requestId: z.string().openapi({ example: "0d1f3c1e-4c1a-4b53-9a5d-0e6f7a8b9c0d" }),
      fields: z
        .record(z.string(), z.string())
        .optional()
        .openapi({ description: "Field path → what is wrong with it", example: { perPage: "Too big" } }),
    }),
  })
  .openapi("Error");

export function formatError(family: ApiFamily, err: AppError, requestId: string): unknown {
  switch (family) {
    case "serviceDesk":
      return { success: false, message: err.message, errors: err.fields };
    case "v1":
      return {
        error: {
          code: err.code,
          message: err.message,
          requestId,
          ...(Object.keys(err.fields).length > 0 ? { fields: err.fields } : {}),
        },
      };
  }
}
