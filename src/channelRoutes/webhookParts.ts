import { z } from "@hono/zod-openapi";
import { errors } from "../errors.js";
import { fieldErrorsOf } from "../http/validation.js";

export const webhookTags = ["Channel webhooks"];

/**
 * A webhook's authenticating header (a provider's signature or shared secret) as its route documents
 * it: a parameter of the OpenAPI operation, not a `request.headers` schema. The route's middleware
 * checks the header before any validator runs, so a header schema could never reject a request the
 * middleware let through; and its validator copied every header of every request into an object to
 * parse them (about 4 % of the API process's CPU under the inbound benchmark).
 */
export function authenticatingHeader(name: string, options: { maxLength: number; description?: string }) {
  return {
    name,
    in: "header" as const,
    required: false,
    schema: { type: "string" as const, maxLength: options.maxLength },
    ...(options.description ? { description: options.description } : {}),
  };
}

export const webhookAccepted = z
  .object({
    ok: z.literal(true),
    received: z.number().int().openapi({ description: "Messages in the request" }),
    stored: z.number().int().openapi({ description: "New messages stored for the router" }),
    duplicates: z.number().int().openapi({ description: "Redeliveries of messages already stored" }),
    unreadable: z
      .number()
      .int()
      .openapi({ description: "Updates whose message is in a shape the hub does not read: skipped" }),
  })
  .openapi("ChannelWebhookAccepted");

/**
 * The validation hook of channel webhooks: a payload that does not fit is a 400 naming the field,
 * but a customer's text PostgreSQL cannot store (a NUL) is not refused here, as the service desk's
 * inputs are: the provider would only send it again. Intake makes it storable (src/inbound/storable.ts).
 */
export function webhookValidationHook(
  result: { success: true } | { success: false; error: z.ZodError },
): undefined {
  if (!result.success)
    throw errors.validation(fieldErrorsOf(new z.ZodError(branchIssues(result.error.issues))));
  return undefined;
}

/**
 * Providers send one object or a batch of them (a union): of a union's failed branches, the issues
 * of the branch whose type the payload has, so the answer names `update_id` rather than `body`.
 */
function branchIssues(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((issue) => {
    if (issue.code !== "invalid_union" || issue.errors.length === 0) return [issue];
    const matching =
      issue.errors.find((branch) => !branch.some((i) => i.path.length === 0)) ?? issue.errors[0] ?? [];
    return branchIssues(matching.map((i) => ({ ...i, path: [...issue.path, ...i.path] })));
  });
}
