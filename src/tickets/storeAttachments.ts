import { type SQL, sql } from "drizzle-orm";
import type { DecodedAttachment } from "../attachments/decode.js";
import type { BlobStore } from "../blobs/store.js";
import type { StatementParams, Tx } from "../db/client.js";
import { attachments } from "../db/schema/index.js";
import { newId } from "../ids.js";

/** An attachment that passed decoding and checks. */
export type AcceptedFile = DecodedAttachment;

/** What the database keeps of a stored file: everything but the bytes, which the blob store has. */
export type AttachmentRecord = {
  id: string;
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
  storageKey: string;
  description: string | null;
};

export type StoredAttachment = {
  id: string;
  filename: string;
  size: number;
  mimeType: string;
  uploadedAt: string;
};

/**
 * Puts each file's bytes in the blob store, before the database rows that point at them are
 * written. Keys land in `written` so the caller can delete them again if its transaction fails.
 */
export async function putAttachmentBlobs(
  blobs: BlobStore,
  tenantId: string,
  files: readonly AcceptedFile[],
  written: string[],
): Promise<AttachmentRecord[]> {
  const records: AttachmentRecord[] = [];
  for (const file of files) {
    const id = newId("attachment");
    const storageKey = `${tenantId}/${id}`;
    await blobs.put(storageKey, file.bytes);
    written.push(storageKey);
    records.push({
      id,
      filename: file.filename,
      mimeType: file.mimeType,
      size: file.size,
      sha256: file.sha256,
      storageKey,
      description: file.description ?? null,
    });
  }
  return records;
}

export async function insertAttachmentRows(
  tx: Tx,
  target: { tenantId: string; ticketId: string },
  records: readonly AttachmentRecord[],
  now: Date,
): Promise<StoredAttachment[]> {
  if (records.length === 0) return [];
  await tx.insert(attachments).values(records.map((r) => ({ ...r, ...target, uploadedAt: now })));
  return storedViews(records, now);
}

/** The rows as an `INSERT ... SELECT` for the creation statement template (CTE `ticket`). */
export function attachmentInsertSql(p: StatementParams): SQL {
  return sql`INSERT INTO ticket_attachments (id, tenant_id, ticket_id, filename, mime_type, size, sha256, storage_key,
      description, uploaded_at)
    SELECT r.id, ticket.tenant_id, ticket.id, r.filename, r.mime_type, r.size, r.sha256, r.storage_key, r.description,
      ${p.a_at}::timestamptz
    FROM ticket, jsonb_to_recordset(${p.a_rows}::jsonb) AS r(id text, filename text, mime_type text, size integer,
      sha256 text, storage_key text, description text)`;
}

/** The values of attachmentInsertSql's parameters: its group `a`. */
export function attachmentValues(records: readonly AttachmentRecord[], now: Date) {
  return {
    at: now.toISOString(),
    rows: JSON.stringify(
      records.map((r) => ({
        id: r.id,
        filename: r.filename,
        mime_type: r.mimeType,
        size: r.size,
        sha256: r.sha256,
        storage_key: r.storageKey,
        description: r.description,
      })),
    ),
  };
}

export function storedViews(records: readonly AttachmentRecord[], now: Date): StoredAttachment[] {
  return records.map((r) => ({
    id: r.id,
    filename: r.filename,
    size: r.size,
    mimeType: r.mimeType,
    uploadedAt: now.toISOString(),
  }));
}

/** Best effort: a blob left behind by a failed transaction is unreferenced, never wrong. */
export async function discardBlobs(blobs: BlobStore, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((k) => blobs.delete(k).catch(() => undefined)));
}
