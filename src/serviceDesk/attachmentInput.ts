import type { z } from "@hono/zod-openapi";
import { decodeAttachments } from "../attachments/decode.js";
import type { Config } from "../config.js";
import { errors } from "../errors.js";
import type { AcceptedFile } from "../tickets/storeAttachments.js";
import type { attachmentInputSchema } from "./schemas.js";

/**
 * Decodes and checks every attachment of a request; all problems are reported at once, each
 * under its field path (attachments.0.content, ...), in the service desk's validation answer.
 */
export function acceptAttachments(
  inputs: ReadonlyArray<z.infer<typeof attachmentInputSchema>> | undefined,
  limits: Config["attachments"],
): AcceptedFile[] {
  if (!inputs || inputs.length === 0) return [];
  const decoded = decodeAttachments(inputs, { maxBytes: limits.maxBytes, maxCount: limits.maxCount });
  if (!decoded.ok) throw errors.validation(decoded.fields);
  return decoded.files;
}
