import { constants, inflateSync } from "node:zlib";

/**
 * What a PDF may not carry: script, actions that run or open something when the file is opened or
 * a field is touched, and files packed inside it. Each is a name in a dictionary, so the file is
 * read token by token (strings and comments skipped, "#xx" escapes in names decoded, so
 * "/J#61vaScript" is "/JavaScript"). Dictionaries can also sit compressed inside object streams:
 * those are inflated (FlateDecode, up to a budget) and read the same way, and an object stream that
 * cannot be read that way (another filter, a predictor, encryption, damage, too large) is refused
 * rather than trusted. Other streams (page content, images, fonts) hold no dictionaries and are
 * skipped unread, as far as their /Length says (direct, or an indirect length found in the file)
 * and never past "endstream": an object hidden after a stream's declared end is still read.
 */
const maxObjectStreamBytesPerFile = 16 * 1024 * 1024;

const activeNames: Record<string, string> = {
  JavaScript: "JavaScript",
  JS: "JavaScript",
  Launch: "a launch action",
  AA: "automatic actions (/AA)",
  EmbeddedFile: "embedded files",
  EmbeddedFiles: "embedded files",
  RichMedia: "rich media",
  GoToE: "an action that opens an embedded file",
  GoToR: "an action that opens another file",
  ImportData: "a form action that imports data",
  SubmitForm: "a form action that sends data",
};
// Keys that only an object stream's dictionary has, whatever its /Type says.
const objectStreamMarkers = ["ObjStm", "First"];
const otherFilters = new Set([
  "ASCIIHexDecode",
  "ASCII85Decode",
  "LZWDecode",
  "RunLengthDecode",
  "CCITTFaxDecode",
  "JBIG2Decode",
  "DCTDecode",
  "JPXDecode",
  "Crypt",
  "AHx",
  "A85",
  "LZW",
  "RL",
  "CCF",
  "DCT",
  "Fl",
]);

const whitespace = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const delimiters = new Set("()<>[]{}/%".split("").map((c) => c.charCodeAt(0)));

export function pdfProblem(bytes: Uint8Array): string | undefined {
  const budget = { left: maxObjectStreamBytesPerFile };
  return scan(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), budget, true);
}

type Budget = { left: number };

function scan(pdf: Buffer, budget: Budget, topLevel: boolean): string | undefined {
  // Names since the last "obj" keyword: the dictionary of the stream that may follow.
  let objectNames: string[] = [];
  let length: StreamLength;
  let lengths: Map<string, number> | undefined;
  let at = 0;
  while (at < pdf.length) {
    const byte = pdf[at] as number;
    if (whitespace.has(byte)) {
      at++;
    } else if (byte === 0x25 /* % */) {
      at = endOfLine(pdf, at);
    } else if (byte === 0x28 /* ( */) {
      at = endOfLiteralString(pdf, at);
    } else if (byte === 0x3c /* < */) {
      // "<<" opens a dictionary; a single "<" a hex string, skipped to its ">".
      at = pdf[at + 1] === 0x3c ? at + 2 : pdf.indexOf(0x3e /* > */, at) + 1 || pdf.length;
    } else if (byte === 0x2f /* / */) {
      const end = endOfToken(pdf, at + 1);
      const name = decodeName(pdf.subarray(at + 1, end));
      const active = activeNames[name];
      if (active) return `contains ${active} (/${name}), which is not accepted`;
      objectNames.push(name);
      at = end;
      if (name === "Length") length = streamLength(pdf, at);
    } else if (delimiters.has(byte)) {
      at++;
    } else {
      const end = endOfToken(pdf, at);
      const keyword = pdf.toString("latin1", at, end);
      at = end;
      if (keyword === "obj" || keyword === "endobj") {
        objectNames = [];
        length = undefined;
      }
      if (keyword !== "stream" || !topLevel) continue;
      const dataStart = afterEndOfLine(pdf, at);
      const found = pdf.indexOf("endstream", dataStart, "latin1");
      const endstream = found === -1 ? pdf.length : found;
      if (objectStreamMarkers.some((marker) => objectNames.includes(marker))) {
        const problem = scanObjectStream(pdf.subarray(dataStart, endstream), objectNames, budget);
        if (problem) return problem;
      }
      if (typeof length === "object") {
        lengths ??= indirectLengths(pdf);
        length = lengths.get(length.ref);
      }
      at = length === undefined ? endstream : Math.min(endstream, dataStart + length);
      objectNames = [];
      length = undefined;
    }
  }
  return undefined;
}

/** A stream's /Length: a number, a reference to one ("12 0"), or unknown. */
type StreamLength = number | { ref: string } | undefined;

function streamLength(pdf: Buffer, from: number): StreamLength {
  const ahead = /^\s*(\d+)(?:\s+(\d+)\s+R(?![^\0\t\n\f\r ()<>[\]{}/%]))?/.exec(
    pdf.toString("latin1", from, from + 40),
  );
  if (!ahead?.[1]) return undefined;
  return ahead[2] === undefined ? Number(ahead[1]) : { ref: `${ahead[1]} ${ahead[2]}` };
}

/** Every "n g obj <integer> endobj" of the file: where indirect stream lengths live. */
function indirectLengths(pdf: Buffer): Map<string, number> {
  const found = new Map<string, number>();
  for (const match of pdf.toString("latin1").matchAll(/(?<!\d)(\d+)\s+(\d+)\s+obj\s*(\d+)\s*endobj/g)) {
    found.set(`${match[1]} ${match[2]}`, Number(match[3]));
  }
  return found;
}

function scanObjectStream(data: Buffer, dictionaryNames: string[], budget: Budget): string | undefined {
  const uninspectable = "holds compressed objects (an object stream) that cannot be inspected";
  const flate = dictionaryNames.filter((name) => name === "FlateDecode").length;
  const inspectable =
    flate === 1 &&
    !dictionaryNames.some((name) => otherFilters.has(name) || name === "DecodeParms" || name === "DP");
  if (!inspectable) return uninspectable;
  let objects: Buffer;
  try {
    // A truncated stream is inspected as far as it goes, as a lenient reader would read it.
    objects = inflateSync(data, { maxOutputLength: budget.left, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
      return `holds more than ${maxObjectStreamBytesPerFile} bytes of compressed objects, too many to inspect`;
    }
    return uninspectable;
  }
  budget.left -= objects.length;
  return scan(objects, budget, false);
}

function endOfToken(pdf: Buffer, from: number): number {
  let at = from;
  while (at < pdf.length && !whitespace.has(pdf[at] as number) && !delimiters.has(pdf[at] as number)) at++;
  return at;
}

function endOfLine(pdf: Buffer, from: number): number {
  let at = from;
  while (at < pdf.length && pdf[at] !== 0x0a && pdf[at] !== 0x0d) at++;
  return at;
}

/** Past the end-of-line that must follow "stream" (CRLF or LF; a lone CR is tolerated). */
function afterEndOfLine(pdf: Buffer, from: number): number {
  let at = from;
  while (at < pdf.length && (pdf[at] === 0x20 || pdf[at] === 0x09)) at++;
  if (pdf[at] === 0x0d) at++;
  if (pdf[at] === 0x0a) at++;
  return at;
}

/** Past a literal string: balanced parentheses, backslash escapes. */
function endOfLiteralString(pdf: Buffer, from: number): number {
  let depth = 0;
  for (let at = from; at < pdf.length; at++) {
    const byte = pdf[at];
    if (byte === 0x5c /* \ */) at++;
    else if (byte === 0x28) depth++;
    else if (byte === 0x29 && --depth === 0) return at + 1;
  }
  return pdf.length;
}

/** "J#61vaScript" → "JavaScript". */
function decodeName(raw: Buffer): string {
  return raw
    .toString("latin1")
    .replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}
