import { constants, inflateRawSync } from "node:zlib";

/**
 * Just enough of the zip format to inspect an Office document: the entries its central directory
 * lists (which is what Word and Excel read) and the bytes of a few small ones. Every offset is
 * checked against the buffer, and every entry's local header must name the same file as the
 * directory, so a reader that walks local headers sees no entry this one did not.
 */
export type ZipEntry = {
  /** As stored, "/" separated (a "\" is turned into "/"). */
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  /** Where the entry's data starts. */
  dataOffset: number;
};

export type ZipListing = { ok: true; entries: ZipEntry[] } | { ok: false; problem: string };

const maxZipEntries = 10_000;

const endOfDirectorySignature = 0x06054b50;
const directorySignature = 0x02014b50;
const localSignature = 0x04034b50;
const endOfDirectoryLength = 22;
const maxCommentLength = 0xffff;
const zip64Marker = 0xffffffff;
const stored = 0;
const deflated = 8;

export function listZipEntries(bytes: Uint8Array): ZipListing {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = findEndOfDirectory(view);
  if (end === undefined) return { ok: false, problem: "is not a complete zip file: no central directory" };
  const count = view.readUInt16LE(end + 10);
  const directorySize = view.readUInt32LE(end + 12);
  const directoryOffset = view.readUInt32LE(end + 16);
  if (count === 0xffff || directorySize === zip64Marker || directoryOffset === zip64Marker) {
    return { ok: false, problem: "is a ZIP64 archive, which is not accepted" };
  }
  if (count > maxZipEntries) return { ok: false, problem: `holds more than ${maxZipEntries} files` };
  const entries: ZipEntry[] = [];
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || view.readUInt32LE(at) !== directorySignature) {
      return { ok: false, problem: "is not a valid zip file: its central directory is damaged" };
    }
    const flags = view.readUInt16LE(at + 8);
    const method = view.readUInt16LE(at + 10);
    const compressedSize = view.readUInt32LE(at + 20);
    const nameLength = view.readUInt16LE(at + 28);
    const next = at + 46 + nameLength + view.readUInt16LE(at + 30) + view.readUInt16LE(at + 32);
    const localOffset = view.readUInt32LE(at + 42);
    if (next > end || compressedSize === zip64Marker || localOffset === zip64Marker) {
      return { ok: false, problem: "is not a valid zip file: its central directory is damaged" };
    }
    const rawName = view.subarray(at + 46, at + 46 + nameLength);
    const dataOffset = localDataOffset(view, localOffset, rawName);
    if (dataOffset === undefined || dataOffset + compressedSize > view.length) {
      return { ok: false, problem: "is not a valid zip file: an entry does not match its directory record" };
    }
    entries.push({
      name: rawName.toString("latin1").replaceAll("\\", "/"),
      method,
      encrypted: (flags & 1) === 1,
      compressedSize,
      dataOffset,
    });
    at = next;
  }
  return { ok: true, entries };
}

export type ZipEntryContent = { ok: true; bytes: Buffer } | { ok: false; problem: string };

/** The entry's bytes, inflating at most maxBytes of them; more than that is a problem, not a cut. */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, maxBytes: number): ZipEntryContent {
  if (entry.encrypted) return { ok: false, problem: `${entry.name} is encrypted and cannot be inspected` };
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const data = view.subarray(entry.dataOffset, entry.dataOffset + entry.compressedSize);
  if (entry.method === stored) {
    return data.length <= maxBytes ? { ok: true, bytes: data } : tooLarge(entry, maxBytes);
  }
  if (entry.method !== deflated) {
    return { ok: false, problem: `${entry.name} is compressed in a way that cannot be inspected` };
  }
  try {
    // A truncated stream is inspected as far as it goes, as a lenient reader would read it.
    return {
      ok: true,
      bytes: inflateRawSync(data, { maxOutputLength: maxBytes, finishFlush: constants.Z_SYNC_FLUSH }),
    };
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return tooLarge(entry, maxBytes);
    return { ok: false, problem: `${entry.name} is damaged and cannot be inspected` };
  }
}

function tooLarge(entry: ZipEntry, maxBytes: number): ZipEntryContent {
  return { ok: false, problem: `${entry.name} is larger than ${maxBytes} bytes and cannot be inspected` };
}

/** The last end-of-central-directory record whose directory fits before it. */
function findEndOfDirectory(view: Buffer): number | undefined {
  const lowest = Math.max(0, view.length - endOfDirectoryLength - maxCommentLength);
  for (let at = view.length - endOfDirectoryLength; at >= lowest; at--) {
    if (view.readUInt32LE(at) !== endOfDirectorySignature) continue;
    const directorySize = view.readUInt32LE(at + 12);
    const directoryOffset = view.readUInt32LE(at + 16);
    if (directoryOffset + directorySize <= at) return at;
  }
  return undefined;
}

function localDataOffset(view: Buffer, offset: number, name: Buffer): number | undefined {
  if (offset + 30 > view.length || view.readUInt32LE(offset) !== localSignature) return undefined;
  const nameLength = view.readUInt16LE(offset + 26);
  const localName = view.subarray(offset + 30, offset + 30 + nameLength);
  if (!localName.equals(name)) return undefined;
  return offset + 30 + nameLength + view.readUInt16LE(offset + 28);
}
