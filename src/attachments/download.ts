import type { Context } from "hono";
import type { BlobStore } from "../blobs/store.js";
import type { AttachmentRow } from "../db/schema/index.js";
import { errors } from "../errors.js";
import { neutralizeCsvFormulas } from "./csvFormulas.js";

/**
 * An attachment's bytes as a download, for every API that serves them: never rendered in the
 * browser (nosniff, set on every answer by securityHeaders; a sandboxing CSP, a download disposition) and never cached. A CSV file's
 * formula cells are neutralised on the way out (csvFormulas.ts).
 */
export async function attachmentDownload(c: Context, blobs: BlobStore, file: AttachmentRow | undefined) {
  const bytes = file ? await blobs.get(file.storageKey) : undefined;
  if (!file || !bytes) throw errors.notFound("Attachment not found");
  const body = file.mimeType === "text/csv" ? neutralizeCsvFormulas(bytes) : bytes;
  c.header("Content-Type", file.mimeType);
  c.header("Content-Length", String(body.byteLength));
  c.header("Content-Disposition", `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
  c.header("Content-Security-Policy", "sandbox");
  c.header("Cache-Control", "private, no-store");
  return c.body(new Uint8Array(body), 200);
}
