import type { FetchedFile } from "../../src/inbound/attachments.js";
import type { InboundAttachmentRef } from "../../src/inbound/message.js";
import type { TwilioSettings } from "../contract.js";
import { readCapped } from "../readCapped.js";

/**
 * An MMS's media from Twilio, with the account's credentials (Twilio's media URLs want HTTP Basic
 * auth when the account enforces it). The URL arrived in a signed webhook, and is fetched only when
 * it is on the account's API origin (Twilio's, or the bank's egress proxy): a hub must not be
 * talked into fetching other addresses with an account's credentials. Twilio answers with a
 * redirect to its media store; fetch drops the credentials when a redirect leaves the origin.
 */
export async function fetchTwilioMedia(
  settings: TwilioSettings,
  ref: InboundAttachmentRef,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<FetchedFile> {
  let url: URL;
  try {
    url = new URL(ref.ref);
  } catch {
    return { ok: false, reason: "the media URL is not a URL" };
  }
  if (url.origin !== new URL(settings.apiBaseUrl).origin) {
    return { ok: false, reason: "the media URL is not on the account's Twilio API" };
  }
  const auth = Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString("base64");
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { authorization: `Basic ${auth}` },
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
  } catch {
    throw new Error("twilio media download failed: network");
  }
  if (response.status === 404) return { ok: false, reason: "the media is gone" };
  if (!response.ok) throw new Error(`twilio media download failed: HTTP ${response.status}`);
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limits.maxBytes) return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  const bytes = await readCapped(response, limits.maxBytes);
  if (!bytes) return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  return { ok: true, bytes, mimeType: response.headers.get("content-type") ?? undefined };
}
