import { createHash } from "node:crypto";
import type { BlobStore } from "../../src/blobs/store.js";
import type { FetchedFile } from "../../src/inbound/attachments.js";
import type { InboundAttachmentRef } from "../../src/inbound/message.js";

/** A file as whatsapp-web.js's message.downloadMedia() hands it (MessageMedia). */
export type WebMedia = { mimetype: string; data: string; filename?: string | null | undefined };

const stagedDir = "inbound-whatsapp-web";

/**
 * WhatsApp Web's files exist only in the gateway's browser session, which the router's worker may
 * not share: the gateway downloads each one as the message arrives and stages it in the blob store
 * (the store every process reads), and the message's ref names the staged blob. The key is derived
 * from the message id, so a message handled twice stages the same blob.
 */
export async function stageWebMedia(
  blobs: BlobStore,
  tenantId: string,
  providerMessageId: string,
  media: WebMedia,
  kind: InboundAttachmentRef["kind"],
  maxBytes: number,
): Promise<InboundAttachmentRef> {
  const bytes = Buffer.from(media.data, "base64");
  const about = { kind, mimeType: media.mimetype, filename: media.filename ?? undefined, size: bytes.length };
  // Too big: not staged; its size makes the router refuse it by name without fetching.
  if (bytes.length > maxBytes) return { ...about, ref: "" };
  const digest = createHash("sha256").update(providerMessageId).digest("hex").slice(0, 40);
  const key = `${tenantId}/${stagedDir}/${digest}`;
  await blobs.put(key, bytes);
  return { ...about, ref: key };
}

/** The router's fetch of a staged file: only from the tenant's own staging area. */
export async function stagedWebMedia(
  blobs: BlobStore,
  tenantId: string,
  ref: InboundAttachmentRef,
): Promise<FetchedFile> {
  if (ref.ref === "") return { ok: false, reason: "WhatsApp Web gave no download for the file" };
  if (!ref.ref.startsWith(`${tenantId}/${stagedDir}/`)) return { ok: false, reason: "not a staged file" };
  const bytes = await blobs.get(ref.ref);
  if (!bytes) return { ok: false, reason: "the staged file is gone" };
  return { ok: true, bytes, filename: ref.filename, mimeType: ref.mimeType };
}
