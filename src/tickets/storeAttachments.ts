import type { BlobStore } from "../blobs/store.js";
import type { Tx } from "../db/client.js";
import { attachments } from "../db/schema/index.js";
import { newId } from "../ids.js";

/** An attachment that passed decoding and checks (src/attachments/decode.ts). */
export type AcceptedFile = {
  filename: string;
  mimeType: string;
  size: number;
  bytes: Uint8Array;
  sha256: string;
  description?: string | null | undefined;
};

export type StoredAttachment = {
  id: string;
  filename: string;
  size: number;
  mimeType: string;
  uploadedAt: string;
};

/**
 * Puts each file's bytes in the blob store and its row in the transaction. Bytes written for a
 * transaction that then fails are deleted again by the caller through `written`.
 */
export async function storeAttachments(
  tx: Tx,
  blobs: BlobStore,
  target: { tenantId: string; ticketId: string },
  files: readonly AcceptedFile[],
  written: string[],
  now: Date,
): Promise<StoredAttachment[]> {
  const stored: StoredAttachment[] = [];
  for (const file of files) {
    const id = newId("attachment");
    const storageKey = `${target.tenantId}/${id}`;
    await blobs.put(storageKey, file.bytes);
    written.push(storageKey);
    await tx.insert(attachments).values({
      id,
      tenantId: target.tenantId,
      ticketId: target.ticketId,
      filename: file.filename,
      mimeType: file.mimeType,
      size: file.size,
      sha256: file.sha256,
      storageKey,
      description: file.description ?? null,
      uploadedAt: now,
    });
    stored.push({
      id,
      filename: file.filename,
      size: file.size,
      mimeType: file.mimeType,
      uploadedAt: now.toISOString(),
    });
  }
  return stored;
}

/** Best effort: a blob left behind by a failed transaction is unreferenced, never wrong. */
export async function discardBlobs(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => blobs.delete(k).catch(() => undefined)));
}
