import { decodeAttachment } from "../attachments/decode.js";
import type { Config } from "../config.js";
import type { AcceptedFile } from "../tickets/storeAttachments.js";
import type { InboundAttachmentRef, InboundChannel } from "./message.js";
import { storableText } from "./storable.js";

/**
 * A file's bytes from its channel. A failure worth retrying (the provider unreachable, a 5xx) is
 * thrown, and the router's job retries; one that will never succeed (the file too big for the
 * provider to hand out, gone) is answered, and the message goes on without the file.
 */
export type FetchedFile =
  | { ok: true; bytes: Uint8Array; filename?: string | undefined; mimeType?: string | undefined }
  | { ok: false; reason: string };

export interface AttachmentFetcher {
  fetch(tenantId: string, channel: InboundChannel, ref: InboundAttachmentRef): Promise<FetchedFile>;
  /**
   * Called once a message is routed: a channel whose files the hub received with the message and
   * held for the router (e-mail) deletes them; channels that fetch from a provider have nothing to do.
   */
  release?(tenantId: string, channel: InboundChannel, refs: readonly InboundAttachmentRef[]): Promise<void>;
}

/** A channel without files to fetch (or a process that fetches none): every file is refused. */
export const noAttachmentFetcher: AttachmentFetcher = {
  fetch: async () => ({ ok: false, reason: "files are not fetched from this channel" }),
};

/** What the router keeps of a customer's files: the ones the service desk's rules accept, and why others were not. */
export type CheckedFiles = { accepted: AcceptedFile[]; refused: string[] };

const defaultNames: Record<InboundAttachmentRef["kind"], string> = {
  photo: "photo.jpg",
  document: "document",
  audio: "audio",
  video: "video",
  other: "file",
};

/**
 * Fetches a message's files and puts each through the service desk's attachment rules (allowed
 * types with matching signatures, size, active content, names sanitised and card numbers masked).
 * A channel's photos are JPEG (Telegram re-encodes every photo so).
 */
export async function fetchAndCheck(
  fetcher: AttachmentFetcher,
  tenantId: string,
  channel: InboundChannel,
  refs: readonly InboundAttachmentRef[],
  limits: Config["attachments"],
): Promise<CheckedFiles> {
  const checked: CheckedFiles = { accepted: [], refused: [] };
  for (const [index, ref] of refs.entries()) {
    const name = ref.filename ?? defaultNames[ref.kind];
    if (index >= limits.maxCount) {
      checked.refused.push(`${name}: at most ${limits.maxCount} files per message`);
      continue;
    }
    if (ref.size !== undefined && ref.size > limits.maxBytes) {
      checked.refused.push(`${name}: larger than ${limits.maxBytes} bytes`);
      continue;
    }
    const fetched = await fetcher.fetch(tenantId, channel, ref);
    if (!fetched.ok) {
      checked.refused.push(`${name}: ${fetched.reason}`);
      continue;
    }
    const mimeType = ref.mimeType ?? fetched.mimeType ?? (ref.kind === "photo" ? "image/jpeg" : "");
    const decoded = decodeAttachment(
      {
        filename: fetched.filename ?? name,
        mimeType,
        size: fetched.bytes.byteLength,
        content: Buffer.from(fetched.bytes).toString("base64"),
      },
      { maxBytes: limits.maxBytes },
    );
    if (decoded.ok) checked.accepted.push(decoded.file);
    else checked.refused.push(`${name}: ${decoded.field} ${decoded.problem}`);
  }
  checked.refused = checked.refused.map(storableText);
  return checked;
}
