import type { Context } from "hono";
import twilio from "twilio";
import type { HubEnv } from "../../src/http/env.js";
import { keepVerifiedForm } from "../verifiedBody.js";

/** Form parameters as Twilio's validator takes them (a repeated name becomes a list). */
function paramsOf(form: URLSearchParams): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of form) {
    const seen = params[name];
    params[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return params;
}

/**
 * Whether X-Twilio-Signature is Twilio's signature of this request, checked with twilio's own
 * validator (HMAC-SHA1 of the URL and the sorted form parameters, compared in constant time) over
 * the body as received, before anything parses it. `signedUrl` is the URL under PUBLIC_BASE_URL
 * that Twilio was given (what it signs), not the one the request reached; the query is the request's.
 * A signed form is kept for the route's validator (keepVerifiedForm).
 */
export async function signedByTwilio(
  c: Context<HubEnv>,
  authToken: string,
  signedUrl: string,
): Promise<boolean> {
  const signature = c.req.header("x-twilio-signature") ?? "";
  if (signature === "") return false;
  const url = `${signedUrl}${new URL(c.req.url).search}`;
  const form = new URLSearchParams(await c.req.text());
  if (!twilio.validateRequest(authToken, signature, url, paramsOf(form))) return false;
  keepVerifiedForm(c, form);
  return true;
}
