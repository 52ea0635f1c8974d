import { officeDocumentProblem } from "./officeContent.js";
import { pdfProblem } from "./pdfContent.js";

/**
 * The file types a bank's service desk accepts, and how each is recognised from its bytes.
 * Kept short on purpose: screenshots and photos, PDFs, plain text and CSV logs, and Word / Excel
 * documents in their macro-free OOXML form, without active content (officeContent.ts,
 * pdfContent.ts). Not accepted: SVG and HTML (script when opened in a
 * browser), archives and executables, and legacy .doc/.xls (OLE files that carry macros natively).
 */
export const docxMimeType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
export const xlsxMimeType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

export const attachmentMimeTypes = [
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "application/pdf",
  "text/plain",
  "text/csv",
  docxMimeType,
  xlsxMimeType,
] as const;

export type AttachmentMimeType = (typeof attachmentMimeTypes)[number];

type TypeRule = {
  label: string;
  /** Lower case, without the dot; the first is the one appended to a name that lacks it. */
  extensions: readonly [string, ...string[]];
  text: boolean;
};

export const attachmentTypes: Record<AttachmentMimeType, TypeRule> = {
  "image/png": { label: "a PNG image", extensions: ["png"], text: false },
  "image/jpeg": { label: "a JPEG image", extensions: ["jpg", "jpeg"], text: false },
  "image/gif": { label: "a GIF image", extensions: ["gif"], text: false },
  "image/webp": { label: "a WebP image", extensions: ["webp"], text: false },
  "application/pdf": { label: "a PDF document", extensions: ["pdf"], text: false },
  "text/plain": { label: "a text file", extensions: ["txt", "log"], text: true },
  "text/csv": { label: "a CSV file", extensions: ["csv"], text: true },
  [docxMimeType]: { label: "a Word document (.docx)", extensions: ["docx"], text: false },
  [xlsxMimeType]: { label: "an Excel workbook (.xlsx)", extensions: ["xlsx"], text: false },
};

// Names senders commonly use for an accepted type.
const aliases: Record<string, AttachmentMimeType> = {
  "image/jpg": "image/jpeg",
  "image/pjpeg": "image/jpeg",
};

/** "Image/PNG; foo=bar" → "image/png": lower case, without parameters, aliases resolved. */
export function normalizeMimeType(mimeType: string): string {
  const bare = String(mimeType).split(";")[0]?.trim().toLowerCase() ?? "";
  return aliases[bare] ?? bare;
}

export function isAttachmentMimeType(mimeType: string): mimeType is AttachmentMimeType {
  return (attachmentMimeTypes as readonly string[]).includes(mimeType);
}

/** Why the bytes are not a file of the declared type, or undefined when they are. */
export function contentProblem(mimeType: AttachmentMimeType, bytes: Uint8Array): string | undefined {
  const rule = attachmentTypes[mimeType];
  const detected = sniffBinaryType(bytes);
  if (rule.text) {
    if (bytes.includes(0)) return `contains NUL bytes, so it is not ${rule.label}`;
    if (detected) return `is ${attachmentTypes[detected].label}, not ${rule.label}`;
    return undefined;
  }
  if (detected === undefined) return `is not ${rule.label}: its first bytes do not match`;
  if (detected !== mimeType) return `is ${attachmentTypes[detected].label}, not ${rule.label}`;
  if (mimeType === docxMimeType || mimeType === xlsxMimeType) {
    // Also looked for in the raw bytes: a name only a local header carries is not in the directory.
    if (includesAscii(bytes, "vbaProject.bin")) return "contains macros, which are not accepted";
    return officeDocumentProblem(bytes);
  }
  if (mimeType === "application/pdf") return pdfProblem(bytes);
  return undefined;
}

/** The binary type the bytes' signature names, if any. Text types have no signature. */
export function sniffBinaryType(bytes: Uint8Array): AttachmentMimeType | undefined {
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) && asciiAt(bytes, 12, "IHDR")) {
    return "image/png";
  }
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (asciiAt(bytes, 0, "GIF87a") || asciiAt(bytes, 0, "GIF89a")) return "image/gif";
  if (asciiAt(bytes, 0, "RIFF") && asciiAt(bytes, 8, "WEBP")) return "image/webp";
  // At offset 0 only: readers tolerate junk before the header, which is how polyglot files work.
  if (/^%PDF-[12]\.\d/.test(ascii(bytes, 0, 8))) return "application/pdf";
  // A zip (local file header) holding an OOXML package; entry names are stored uncompressed.
  // The names checked are long enough not to turn up by chance in compressed data.
  if (startsWith(bytes, [0x50, 0x4b, 0x03, 0x04]) && includesAscii(bytes, "[Content_Types].xml")) {
    if (includesAscii(bytes, "word/document")) return docxMimeType;
    if (includesAscii(bytes, "xl/workbook")) return xlsxMimeType;
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, signature: readonly number[]): boolean {
  return bytes.length >= signature.length && signature.every((byte, i) => bytes[i] === byte);
}

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

function asciiAt(bytes: Uint8Array, offset: number, text: string): boolean {
  return ascii(bytes, offset, text.length) === text;
}

function includesAscii(bytes: Uint8Array, text: string): boolean {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(text, 0, "latin1");
}
