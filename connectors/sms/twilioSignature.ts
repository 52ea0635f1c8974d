import type { Context } from "hono";
import twilio from "twilio";
import type { HubEnv } from "../../src/http/env.js";

/** Form parameters as Twilio's validator takes them (a repeated name becomes a list). */
function paramsOf(text: string): Record<string, string | string[]> {
  const params: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(text)) {
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
 */
export async function signedByTwilio(
  c: Context<HubEnv>,
  authToken: string,
  signedUrl: string,
): Promise<boolean> {
  const signature = c.req.header("x-twilio-signature") ?? "";
  if (signature === "") return false;
  const url = `${signedUrl}${new URL(c.req.url).search}`;
  return twilio.validateRequest(authToken, signature, url, paramsOf(await c.req.text()));
}
