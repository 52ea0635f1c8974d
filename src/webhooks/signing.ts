import { createHmac, randomBytes } from "node:crypto";

/** A new endpoint secret, written as Standard Webhooks writes one: `whsec_` + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64")}`;
}

/** The secrets a request is signed with: the current one, and the previous one during a rotation's overlap. */
export type SigningSecrets = { current: string; previous?: string | undefined };

/**
 * Both signature schemes of one request. `X-Webhook-Signature` is the service desk document's: hex
 * HMAC-SHA256 of the exact body, keyed with the secret string as the tenant was shown it (whsec_
 * included), so its verification snippet passes unchanged; it carries the current secret only, and
 * `X-Webhook-Signature-Previous` the previous one during an overlap. The Standard Webhooks headers
 * sign `id.timestamp.body` with the base64-decoded key; during an overlap `webhook-signature`
 * lists both, space-separated, as the specification allows.
 */
export function signatureHeaders(
  secrets: SigningSecrets,
  webhookId: string,
  at: Date,
  body: string,
): Record<string, string> {
  const keys = secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
  const headers: Record<string, string> = {
    "webhook-id": webhookId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": keys.map((k) => standardSignature(k, webhookId, at, body)).join(" "),
    "x-webhook-signature": hexSignature(secrets.current, body),
  };
  if (secrets.previous) headers["x-webhook-signature-previous"] = hexSignature(secrets.previous, body);
  return headers;
}

function hexSignature(secret: string, body: string): string {
  return createHmac("sha256", secret).update(body).digest("hex");
}

/**
 * `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's base64-decoded bytes
 * (without `whsec_`): the Standard Webhooks scheme, as its `standardwebhooks` package signs (the
 * tests verify with that package). node:crypto's HMAC, not the package's pure-JavaScript SHA-256:
 * every delivery signs, and the native one costs a fraction of the CPU.
 */
function standardSignature(secret: string, webhookId: string, at: Date, body: string): string {
  const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice(6) : secret, "base64");
  const timestamp = Math.floor(at.getTime() / 1000);
  return `v1,${createHmac("sha256", key).update(`${webhookId}.${timestamp}.${body}`).digest("base64")}`;
}
