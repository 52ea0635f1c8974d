import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { assertBlobKey, BlobKeyError, type BlobStat, type BlobStore } from "./store.js";

export type FilesystemBlobStoreOptions = {
  /**
   * Flush each blob and its directory entry to disk before put() resolves (default true), so an
   * attachment whose row was committed survives a power cut. Tests may turn it off for speed.
   */
  fsync?: boolean;
};

/**
 * Blobs as files under rootDir: the key "ten_1/att_2" is the file rootDir/ten_1/att_2. Files are
 * 0600 and directories 0700, since they hold customers' documents. A put writes a temp file in the
 * target directory and renames it over the target, so a reader sees the old blob or the new one,
 * never half of one; temp names start with a dot, which no valid key can.
 */
export function createFilesystemBlobStore(
  rootDir: string,
  options: FilesystemBlobStoreOptions = {},
): BlobStore {
  const root = resolve(rootDir);
  const rootPrefix = root.endsWith(sep) ? root : `${root}${sep}`;
  const durable = options.fsync ?? true;

  function pathOf(key: string): string {
    assertBlobKey(key);
    const path = join(root, ...key.split("/"));
    // The key rules already keep every path inside the root; this guards the rules themselves.
    if (!path.startsWith(rootPrefix)) throw new BlobKeyError("invalid blob key: resolves outside the store");
    return path;
  }

  return {
    async put(key: string, bytes: Uint8Array): Promise<void> {
      const path = pathOf(key);
      const dir = dirname(path);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString("hex")}.tmp`);
      try {
        const handle = await open(temp, "wx", 0o600);
        try {
          await handle.writeFile(bytes);
          if (durable) await handle.sync();
        } finally {
          await handle.close();
        }
        await rename(temp, path);
      } catch (error) {
        // Leave no temp file behind; the write's own error is the one worth reporting.
        await rm(temp, { force: true }).catch(() => undefined);
        throw error;
      }
      if (durable) await syncDirectory(dir);
    },

    async get(key: string): Promise<Uint8Array | undefined> {
      const path = pathOf(key);
      try {
        const buffer = await readFile(path);
        return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      } catch (error) {
        // EISDIR: the key is a prefix of other keys, which is not a blob.
        if (hasCode(error, "ENOENT", "ENOTDIR", "EISDIR")) return undefined;
        throw error;
      }
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (error) {
        if (hasCode(error, "ENOENT", "ENOTDIR")) return;
        throw error;
      }
    },

    async stat(key: string): Promise<BlobStat | undefined> {
      const path = pathOf(key);
      try {
        const info = await stat(path);
        return info.isFile() ? { size: info.size } : undefined;
      } catch (error) {
        if (hasCode(error, "ENOENT", "ENOTDIR")) return undefined;
        throw error;
      }
    },
  };
}

/** Makes a rename in the directory durable: the new entry is on disk, not just in the page cache. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function hasCode(error: unknown, ...codes: string[]): boolean {
  return error instanceof Error && "code" in error && codes.includes(String(error.code));
}
