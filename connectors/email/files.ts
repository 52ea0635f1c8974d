import { createHash } from "node:crypto";
import type { BlobStore } from "../../src/blobs/store.js";
import type { FetchedFile } from "../../src/inbound/attachments.js";
import type { InboundAttachmentRef } from "../../src/inbound/message.js";
import { letterHex } from "../../src/inbound/storable.js";

/**
 * A mail's files arrive with it, not as a provider's handle: the listener holds them in the blob
 * store for the router (which may run in another process), under a key of the tenant, the message
 * and the file's place in it. A redelivery writes the same bytes to the same key.
 */
const prefix = "inbound-email/";

export function heldFileKey(tenantId: string, providerMessageId: string, index: number): string {
  const digest = createHash("sha256").update(`${tenantId}\n${providerMessageId}\n${index}`).digest();
  return `${prefix}${letterHex(digest.subarray(0, 20))}`;
}

/** A held file for the router; only keys the listener makes are read. */
export async function fetchHeldFile(blobs: BlobStore, ref: InboundAttachmentRef): Promise<FetchedFile> {
  if (!ref.ref.startsWith(prefix)) return { ok: false, reason: "not a file the hub received" };
  const bytes = await blobs.get(ref.ref);
  if (!bytes) return { ok: false, reason: "the file is gone" };
  return { ok: true, bytes, filename: ref.filename, mimeType: ref.mimeType };
}

/** Once the message is routed, the ticket holds its own copies: the held ones go. */
export async function releaseHeldFiles(
  blobs: BlobStore,
  refs: readonly InboundAttachmentRef[],
): Promise<void> {
  await Promise.all(refs.filter((r) => r.ref.startsWith(prefix)).map((r) => blobs.delete(r.ref)));
}
