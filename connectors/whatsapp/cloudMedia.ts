import type { FetchedFile } from "../../src/inbound/attachments.js";
import type { InboundAttachmentRef } from "../../src/inbound/message.js";
import type { WhatsAppCloudSettings } from "../contract.js";
import { readCapped } from "../readCapped.js";

/** Meta's own download hosts: the media URL the Graph API answers is on one of them. */
const metaHosts = [".fbsbx.com", ".facebook.com", ".whatsapp.net"];

/**
 * Whether the hub may send the account's token to a media URL: one on the Graph API origin the
 * operator configured (an egress proxy, a local fake), or https on Meta's own hosts. The URL comes
 * from Meta's authenticated answer, and the token must not follow it anywhere else.
 */
function mayDownload(url: URL, graphBaseUrl: string): boolean {
  if (url.origin === new URL(graphBaseUrl).origin) return true;
  return url.protocol === "https:" && metaHosts.some((host) => url.hostname.endsWith(host));
}

type MediaNode = { url?: unknown; mime_type?: unknown; file_size?: unknown };

/**
 * A customer's file from the Cloud API: GET {graphBaseUrl}/{media-id} names a short-lived URL,
 * which is downloaded with the same Bearer token. A media id Meta no longer knows (it keeps media
 * 30 days) or a file over the cap is answered; a network error or a 5xx is thrown, and the
 * router's job retries.
 */
export async function fetchCloudMedia(
  settings: WhatsAppCloudSettings,
  ref: InboundAttachmentRef,
  limits: { timeoutMs: number; maxBytes: number },
): Promise<FetchedFile> {
  const headers = { authorization: `Bearer ${settings.accessToken}` };
  const get = async (url: string | URL) => {
    try {
      return await fetch(url, { headers, signal: AbortSignal.timeout(limits.timeoutMs), redirect: "error" });
    } catch {
      throw new Error("whatsapp media download failed: network");
    }
  };
  const node = await get(`${settings.graphBaseUrl}/${encodeURIComponent(ref.ref)}`);
  if (node.status >= 500 || node.status === 429)
    throw new Error(`whatsapp media lookup failed: HTTP ${node.status}`);
  if (!node.ok) return { ok: false, reason: `Meta would not hand out the file (HTTP ${node.status})` };
  const about = (await node.json().catch(() => ({}))) as MediaNode;
  if (typeof about.url !== "string") return { ok: false, reason: "Meta named no download for the file" };
  if (typeof about.file_size === "number" && about.file_size > limits.maxBytes)
    return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  let url: URL;
  try {
    url = new URL(about.url);
  } catch {
    return { ok: false, reason: "Meta's download URL is not a URL" };
  }
  if (!mayDownload(url, settings.graphBaseUrl))
    return { ok: false, reason: "Meta's download URL is not on a Meta host" };
  const file = await get(url);
  if (file.status === 404) return { ok: false, reason: "the file is gone" };
  if (!file.ok) throw new Error(`whatsapp media download failed: HTTP ${file.status}`);
  const bytes = await readCapped(file, limits.maxBytes);
  if (!bytes) return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  const mimeType = typeof about.mime_type === "string" ? about.mime_type : undefined;
  return { ok: true, bytes, filename: ref.filename, mimeType: ref.mimeType ?? mimeType };
}
