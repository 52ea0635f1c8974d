import { listZipEntries, readZipEntry, type ZipEntry } from "./zip.js";

/**
 * What a Word or Excel document may not carry, judged from its zip entries and relationship parts:
 * - macros (vbaProject.bin, vbaData.xml);
 * - embedded objects (any "embeddings" folder, oleObject*.bin): OLE packages run what they hold,
 *   and a chart's embedded workbook is refused with them, since it could carry macros of its own;
 * - ActiveX controls;
 * - executable or script files stored inside the package;
 * - external relationships other than a plain hyperlink (http, https, mailto): an external OLE
 *   object or template is how the Follina technique (ms-msdt:, mhtml:) and template injection
 *   reach out when the file is opened. A target with such a scheme is refused in any mode.
 * Relationship parts are inflated up to a fixed budget; one that cannot be read is refused rather
 * than trusted.
 */
export const maxRelationshipPartBytes = 1024 * 1024;
const maxRelationshipBytesPerFile = 8 * 1024 * 1024;

const executableExtensions = new Set([
  "exe",
  "dll",
  "com",
  "scr",
  "pif",
  "cpl",
  "msi",
  "msp",
  "jar",
  "js",
  "jse",
  "vbs",
  "vbe",
  "wsf",
  "wsh",
  "ps1",
  "psm1",
  "bat",
  "cmd",
  "hta",
  "lnk",
  "reg",
  "mht",
  "mhtml",
]);
const macroParts = new Set(["vbaproject.bin", "vbaprojectsignature.bin", "vbadata.xml"]);
const plainLinkTarget = /^(?:https?:\/\/|mailto:)/i;
const dangerousTarget = /^(?:mhtml|ms-[a-z0-9-]+|search-ms|file|javascript|vbscript)\s*:|^\\\\/i;

export function officeDocumentProblem(bytes: Uint8Array): string | undefined {
  const listing = listZipEntries(bytes);
  if (!listing.ok) return listing.problem;
  let budget = maxRelationshipBytesPerFile;
  for (const entry of listing.entries) {
    const problem = entryNameProblem(entry.name.toLowerCase());
    if (problem) return problem;
  }
  for (const entry of listing.entries) {
    if (!entry.name.toLowerCase().endsWith(".rels")) continue;
    const content = readZipEntry(bytes, entry, Math.min(maxRelationshipPartBytes, budget));
    if (!content.ok) return content.problem;
    budget -= content.bytes.length;
    const problem = relationshipProblem(entry, content.bytes);
    if (problem) return problem;
  }
  return undefined;
}

function entryNameProblem(name: string): string | undefined {
  const segments = name.split("/");
  const base = segments.at(-1) ?? "";
  if (macroParts.has(base)) return "contains macros, which are not accepted";
  if (segments.includes("embeddings") || base.startsWith("oleobject")) {
    return `contains an embedded object (${name}), which is not accepted`;
  }
  if (segments.includes("activex")) return `contains ActiveX controls (${name}), which are not accepted`;
  const extension = base.includes(".") ? (base.split(".").at(-1) ?? "") : "";
  if (executableExtensions.has(extension)) {
    return `contains a program or script (${name}), which is not accepted`;
  }
  return undefined;
}

function relationshipProblem(entry: ZipEntry, bytes: Buffer): string | undefined {
  const unreadable = `${entry.name} cannot be inspected`;
  const text = decodeXml(bytes);
  // A DTD could define entities that spell "External" unseen; Office refuses DTDs in parts anyway.
  if (text === undefined || /<!(?:DOCTYPE|ENTITY)/i.test(text)) return unreadable;
  for (const element of text.matchAll(/<(?:[\w.-]+:)?Relationship\b((?:[^>"']|"[^"]*"|'[^']*')*)>/g)) {
    const attributes = parseAttributes(element[1] ?? "");
    if (attributes === undefined) return unreadable;
    const type = (attributes.get("Type") ?? "").split("/").at(-1) ?? "";
    const target = (attributes.get("Target") ?? "").trim();
    const external = attributes.get("TargetMode")?.trim().toLowerCase() === "external";
    const plainLink = type === "hyperlink" && plainLinkTarget.test(target);
    if (dangerousTarget.test(target) || (external && !plainLink)) {
      return `links to an external ${type || "target"} (${entry.name}), which is not accepted`;
    }
  }
  return undefined;
}

/** XML text by its byte-order mark; undefined when it is not text this check can read. */
function decodeXml(bytes: Buffer): string | undefined {
  let text: string;
  if (bytes[0] === 0xff && bytes[1] === 0xfe) text = new TextDecoder("utf-16le").decode(bytes.subarray(2));
  else if (bytes[0] === 0xfe && bytes[1] === 0xff)
    text = new TextDecoder("utf-16be").decode(bytes.subarray(2));
  else text = new TextDecoder("utf-8").decode(bytes);
  text = text.replace(/^\uFEFF/, "");
  // Anything but XML starting with markup (UTF-32, EBCDIC, UTF-16 without a mark) is not read.
  return text.includes("\0") || !/^\s*</.test(text) ? undefined : text;
}

const attribute = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
const namedEntities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function parseAttributes(source: string): Map<string, string> | undefined {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(attribute)) {
    const value = decodeEntities(match[2] ?? match[3] ?? "");
    if (value === undefined) return undefined;
    attributes.set(match[1] ?? "", value);
  }
  return attributes;
}

function decodeEntities(value: string): string | undefined {
  let unknown = false;
  const decoded = value.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (_, name: string) => {
    if (name.startsWith("#x") || name.startsWith("#X")) return codePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith("#")) return codePoint(Number.parseInt(name.slice(1), 10));
    const known = namedEntities[name];
    if (known === undefined) unknown = true;
    return known ?? "";
  });
  return unknown ? undefined : decoded;
}

function codePoint(value: number): string {
  return value > 0 && value <= 0x10ffff ? String.fromCodePoint(value) : "\uFFFD";
}
