/**
 * Where attachment bytes live: outside the database, behind this small contract, so the
 * filesystem store can later give way to an object store without touching the services.
 * Keys are ours (e.g. "<tenantId>/<attachmentId>"), never a name a client chose; they are
 * validated anyway, because a key becomes a path.
 */
export interface BlobStore {
  /** Stores the bytes under the key, replacing what was there. Readers never see a partial blob. */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes, or undefined when nothing is stored under the key. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Removes the blob; removing a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** The blob's size, or undefined when nothing is stored under the key. */
  stat(key: string): Promise<BlobStat | undefined>;
}

export type BlobStat = { size: number };

/** A key that breaks the rules below: a bug in our code, so an exception rather than a result. */
export class BlobKeyError extends Error {
  override readonly name = "BlobKeyError";
}

const maxKeyLength = 512;
const maxSegments = 8;
// Lower case only, so two keys never name the same file on a case-insensitive filesystem. No
// segment starts or ends with a dot, so ".", "..", hidden files and the stores' own temp files
// (which start with a dot) can never be named by a key.
const segmentPattern = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** Why the key is unusable, or undefined when it is fine. */
export function blobKeyProblem(key: string): string | undefined {
  if (typeof key !== "string" || key.length === 0) return "key is empty";
  if (key.length > maxKeyLength) return `key is longer than ${maxKeyLength} characters`;
  const segments = key.split("/");
  if (segments.length > maxSegments) return `key has more than ${maxSegments} segments`;
  for (const segment of segments) {
    if (segment.length === 0) return "key has an empty segment (leading, trailing or double '/')";
    if (!segmentPattern.test(segment)) {
      return "key segments may hold only a-z, 0-9, '_', '-' and inner single dots";
    }
  }
  return undefined;
}

export function assertBlobKey(key: string): void {
  const problem = blobKeyProblem(key);
  // The key itself stays out of the message: a key that breaks the rules may not be an identifier.
  if (problem) throw new BlobKeyError(`invalid blob key: ${problem}`);
}
