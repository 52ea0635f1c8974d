import { assertBlobKey, type BlobStat, type BlobStore } from "./store.js";

/**
 * The in-memory twin of the filesystem store, for development and tests that do not care where
 * bytes go. Same key rules; bytes are copied in and out so callers cannot change what is stored.
 */
export function createMemoryBlobStore(): BlobStore {
  const blobs = new Map<string, Uint8Array>();
  return {
    async put(key: string, bytes: Uint8Array): Promise<void> {
      assertBlobKey(key);
      blobs.set(key, new Uint8Array(bytes));
    },
    async get(key: string): Promise<Uint8Array | undefined> {
      assertBlobKey(key);
      const bytes = blobs.get(key);
      return bytes ? new Uint8Array(bytes) : undefined;
    },
    async delete(key: string): Promise<void> {
      assertBlobKey(key);
      blobs.delete(key);
    },
    async stat(key: string): Promise<BlobStat | undefined> {
      assertBlobKey(key);
      const bytes = blobs.get(key);
      return bytes ? { size: bytes.byteLength } : undefined;
    },
  };
}
