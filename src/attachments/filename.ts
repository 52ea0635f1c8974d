/**
 * File names arrive from partners and end up in download headers and on agents' disks, so a stored
 * name is a single path segment that every common filesystem accepts and that reads the way it will
 * be opened: no directories, no invisible or direction-changing characters, no device names.
 */
export const maxFilenameBytes = 200;
export const fallbackFilename = "attachment";

// Every kind of whitespace, line and paragraph separator; each run becomes one plain space.
const whitespace = /[\t\n\v\f\r\u0085\p{Zs}\p{Zl}\p{Zp}]+/gu;
// Control, format (bidi overrides such as U+202E, zero-width characters, BOM), private use,
// unassigned code points and lone surrogates: all dropped.
const invisible = /\p{C}+/gu;
// What Windows refuses in a name (the separators are gone by the time this runs).
const reserved = /[<>:"|?*]+/g;
// CON, NUL, COM1... name devices on Windows, with or without an extension ("nul.txt" too).
const windowsDevice = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;
// Only a short alphanumeric tail counts as an extension, e.g. ".pdf", ".docx", not ". my notes".
const extension = /\.[A-Za-z0-9]{1,10}$/;
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** A safe file name for display and download; never empty, at most maxBytes UTF-8 bytes. */
export function sanitizeFilename(name: string, maxBytes = maxFilenameBytes): string {
  let clean = String(name).normalize("NFC");
  // Only the last path segment, whichever separator the sender's system uses.
  clean = clean.slice(Math.max(clean.lastIndexOf("/"), clean.lastIndexOf("\\")) + 1);
  clean = clean.replace(whitespace, " ").replace(invisible, "").normalize("NFC");
  clean = clean.replace(reserved, "_").replace(/ {2,}/g, " ");
  // Leading dots would hide the file (or make "." and ".."); trailing dots and spaces are
  // silently dropped by Windows, which would change the extension the agent sees.
  clean = trimDotsAndSpaces(clean);
  if (windowsDevice.test((clean.split(".")[0] ?? "").trimEnd())) clean = `_${clean}`;
  clean = truncate(clean, Math.max(maxBytes, 32));
  return clean === "" ? fallbackFilename : clean;
}

/** The extension in lower case without its dot ("png"), or "" when the name has none. */
export function filenameExtension(name: string): string {
  return extension.exec(name)?.[0].slice(1).toLowerCase() ?? "";
}

function trimDotsAndSpaces(name: string): string {
  return name.replace(/^[. ]+/, "").replace(/[. ]+$/, "");
}

/** Shortens the stem, whole characters at a time, and keeps the extension. */
function truncate(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const ext = extension.exec(name)?.[0] ?? "";
  const budget = maxBytes - utf8Length(ext);
  let stem = "";
  let used = 0;
  for (const { segment } of graphemes.segment(name.slice(0, name.length - ext.length))) {
    const size = utf8Length(segment);
    if (used + size > budget) break;
    stem += segment;
    used += size;
  }
  stem = trimDotsAndSpaces(stem);
  return `${stem === "" ? fallbackFilename : stem}${ext}`;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, "utf8");
}
