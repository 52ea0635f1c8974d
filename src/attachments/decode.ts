import { createHash } from "node:crypto";
import type { FieldErrors } from "../errors.js";
import { maskCardNumbers } from "../privacy/cardNumbers.js";
import { decodeBase64 } from "./base64.js";
import { filenameExtension, sanitizeFilename } from "./filename.js";
import {
  type AttachmentMimeType,
  attachmentMimeTypes,
  attachmentTypes,
  contentProblem,
  isAttachmentMimeType,
  normalizeMimeType,
} from "./mimeTypes.js";

/** An attachment as the service-desk API sends it, inside the JSON body. */
export type AttachmentInput = {
  filename: string;
  mimeType: string;
  /** The sender's claim; the content may be smaller, never larger (see decodeAttachment). */
  size: number;
  /** Base64, or a data URL "data:<mime>;base64,<base64>". */
  content: string;
  description?: string | null | undefined;
};

/** Checked bytes and the metadata to store next to them. */
export type DecodedAttachment = {
  filename: string;
  mimeType: AttachmentMimeType;
  /** The decoded length, whatever the sender declared. */
  size: number;
  bytes: Uint8Array;
  /** Hex SHA-256 of bytes. */
  sha256: string;
  description: string | null;
};

export type AttachmentField = "filename" | "mimeType" | "size" | "content" | "description";

export type DecodeAttachmentResult =
  | { ok: true; file: DecodedAttachment }
  | { ok: false; field: AttachmentField; problem: string };

export const maxDescriptionLength = 1000;

// Case-insensitive scheme; parameters such as charset may precede ";base64".
const dataUrlHead = /^\s*data:([^,]{0,200}),/i;
// Controls other than tab and line breaks; PostgreSQL refuses NUL in text outright.
const controlsInText = /(?![\t\n\r])\p{Cc}/gu;

/**
 * Decodes one attachment and checks it. Rules:
 * - mimeType: one of attachmentMimeTypes (case and parameters ignored, "image/jpg" accepted).
 * - content: strict base64 or a base64 data URL whose type agrees with mimeType; not empty; at
 *   most limits.maxBytes once decoded. Images, PDF and Office files must carry the signature of the
 *   declared type; text must hold no NUL byte and no other type's signature.
 * - size: a whole number at least the decoded length. An upper bound rather than an exact length,
 *   because the service-desk document's own example declares 1024 for 29 bytes. The bound still
 *   refuses content larger than announced; the size stored is always the decoded length.
 * - filename: required; sanitised, card numbers masked, and given the type's extension when its
 *   own does not agree ("report.exe" sent as a PDF is stored as "report.exe.pdf").
 * - description: optional, trimmed, card numbers masked, at most maxDescriptionLength characters.
 */
export function decodeAttachment(
  input: AttachmentInput,
  limits: { maxBytes: number },
): DecodeAttachmentResult {
  if (typeof input.filename !== "string" || input.filename.trim() === "") {
    return { ok: false, field: "filename", problem: "is required" };
  }
  const mimeType = typeof input.mimeType === "string" ? normalizeMimeType(input.mimeType) : "";
  if (!isAttachmentMimeType(mimeType)) {
    return {
      ok: false,
      field: "mimeType",
      problem: `is not accepted; use one of ${attachmentMimeTypes.join(", ")}`,
    };
  }
  if (!Number.isSafeInteger(input.size) || input.size < 0) {
    return { ok: false, field: "size", problem: "must be a whole number of bytes" };
  }
  const description = cleanDescription(input.description);
  if (description !== null && description.length > maxDescriptionLength) {
    return { ok: false, field: "description", problem: `is longer than ${maxDescriptionLength} characters` };
  }
  if (typeof input.content !== "string")
    return { ok: false, field: "content", problem: "must be base64 text" };

  const payload = stripDataUrl(input.content, mimeType);
  if (!payload.ok) return { ok: false, field: "content", problem: payload.problem };
  const decoded = decodeBase64(payload.base64, limits);
  if (!decoded.ok) return { ok: false, field: "content", problem: decoded.problem };
  const { bytes } = decoded;
  if (bytes.byteLength > input.size) {
    return {
      ok: false,
      field: "size",
      problem: `is ${input.size} bytes, but the content decodes to ${bytes.byteLength} bytes`,
    };
  }
  const problem = contentProblem(mimeType, bytes);
  if (problem) return { ok: false, field: "content", problem };

  return {
    ok: true,
    file: {
      filename: storedFilename(input.filename, mimeType),
      mimeType,
      size: bytes.byteLength,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      description,
    },
  };
}

export type DecodeAttachmentsResult =
  | { ok: true; files: DecodedAttachment[] }
  | { ok: false; fields: FieldErrors };

/**
 * Decodes the `attachments` array of a request; problems come keyed by field path
 * ("attachments.1.content"), ready for errors.validation().
 */
export function decodeAttachments(
  inputs: readonly AttachmentInput[],
  limits: { maxBytes: number; maxCount: number },
): DecodeAttachmentsResult {
  if (inputs.length > limits.maxCount) {
    return { ok: false, fields: { attachments: `at most ${limits.maxCount} attachments per request` } };
  }
  const files: DecodedAttachment[] = [];
  const fields: FieldErrors = {};
  inputs.forEach((input, index) => {
    const result = decodeAttachment(input, limits);
    if (result.ok) files.push(result.file);
    else fields[`attachments.${index}.${result.field}`] = result.problem;
  });
  return Object.keys(fields).length > 0 ? { ok: false, fields } : { ok: true, files };
}

type Payload = { ok: true; base64: string } | { ok: false; problem: string };

function stripDataUrl(content: string, mimeType: AttachmentMimeType): Payload {
  const head = dataUrlHead.exec(content.slice(0, 256));
  if (!head) return { ok: true, base64: content };
  const params = (head[1] ?? "").split(";");
  if (params.at(-1)?.trim().toLowerCase() !== "base64") {
    return { ok: false, problem: "is a data URL that is not base64 encoded" };
  }
  const declared = normalizeMimeType(params[0] ?? "");
  // "data:;base64," states no type, which is no disagreement.
  if (declared !== "" && declared !== mimeType) {
    return { ok: false, problem: `is a data URL of ${declared}, but mimeType is ${mimeType}` };
  }
  return { ok: true, base64: content.slice(head[0].length) };
}

function storedFilename(filename: string, mimeType: AttachmentMimeType): string {
  // Masked after sanitising, so that invisible characters cannot hide a card number; "x" rather
  // than "*", which Windows does not allow in a name.
  const clean = maskCardNumbers(sanitizeFilename(filename)).replaceAll("*", "x");
  const { extensions } = attachmentTypes[mimeType];
  if (extensions.includes(filenameExtension(clean))) return clean;
  // Sanitised again so that the longer name is shortened and keeps the new extension.
  return sanitizeFilename(`${clean}.${extensions[0]}`);
}

function cleanDescription(description: string | null | undefined): string | null {
  if (typeof description !== "string") return null;
  const clean = maskCardNumbers(description.replace(controlsInText, "").trim());
  return clean === "" ? null : clean;
}
