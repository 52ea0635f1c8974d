import { z } from "@hono/zod-openapi";

/** Field rules shared by the channels' settings schemas. */

/** A provider's API origin (the real one by default; a bank's egress proxy or a local fake instead). */
export const providerUrl = (official: string) =>
  z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(500, "must be at most 500 characters")
    .transform((url) => url.replace(/\/+$/, ""))
    .default(official)
    .openapi({ example: official });

export const secretText = (min: number, max: number, example: string) =>
  z
    .string({ error: "is required" })
    .min(min, `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`)
    .openapi({ example, description: "Secret: stored encrypted, never shown again" });

/** What a secret field shows in every answer once saved. */
export const redacted = "[REDACTED]";

export type CheckResult = { ok: true } | { ok: false; field: string; reason: string };
export const checkPassed: CheckResult = { ok: true };

/** A provider check's failure, named by the settings field an admin must fix. */
export function checkFailed(field: string, reason: string): CheckResult {
  return { ok: false, field: `settings.${field}`, reason };
}

/** The text of an error for a check's answer: the message only, never the request it carried. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 300) : "unknown error";
}

/**
 * A provider's error text may quote its request (a URL with a token in it, a token it could not
 * parse): every secret of the account is cut out before the text goes anywhere.
 */
export function withoutSecrets(text: string, secrets: readonly unknown[]): string {
  let out = text;
  for (const value of secrets)
    if (typeof value === "string" && value.length >= 4) out = out.split(value).join(redacted);
  return out;
}
