import type { z } from "@hono/zod-openapi";
import { errors, type FieldErrors } from "../errors.js";

/** Turns zod issues into one message per field path, the first issue of a field winning. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    fields[path] ??= issue.message;
  }
  return fields;
}

/** The OpenAPIHono defaultHook: a request that does not fit its schema becomes one VALIDATION_FAILED. */
export function throwOnInvalid(result: { success: true } | { success: false; error: z.ZodError }): void {
  if (!result.success) throw errors.validation(fieldErrorsOf(result.error));
}
