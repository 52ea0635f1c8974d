import type { z } from "@hono/zod-openapi";
import { errors, type FieldErrors } from "../errors.js";
import { findInputProblem } from "./storableInput.js";

/** Turns zod issues into one message per field path, the first issue of a field winning. */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const path = issue.path.length > 0 ? issue.path.map(String).join(".") : "body";
    fields[path] ??= issue.message;
  }
  return fields;
}

type ValidationResult =
  | { success: true; data: unknown; target: string }
  | { success: false; error: z.ZodError };

/**
 * The OpenAPIHono defaultHook, the one place every route's input passes (JSON body, path
 * parameters, query, declared headers): a request that does not fit its schema, or carries a value
 * PostgreSQL cannot store or JSON nested too deep, becomes one VALIDATION_FAILED naming the field.
 */
export function throwOnInvalid(result: ValidationResult): void {
  if (!result.success) throw errors.validation(fieldErrorsOf(result.error));
  const problem = findInputProblem(result.data, result.target === "json" ? "body" : result.target);
  if (problem) throw errors.validation({ [problem.field]: problem.message });
}
