import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFilesystemBlobStore } from "../src/blobs/filesystem.js";
import { createMemoryBlobStore } from "../src/blobs/memory.js";
import { BlobKeyError, type BlobStore, blobKeyProblem } from "../src/blobs/store.js";

const key = "ten_01a213b3a39e708587320747f6788c4c/att_01a213b3a39e708587320747f6788c4d";
const bytes = (...values: number[]) => new Uint8Array(values);

const badKeys = [
  "",
  "/etc/passwd",
  "../outside",
  "ten_1/../../outside",
  "ten_1/./att_1",
  "ten_1//att_1",
  "ten_1/",
  "ten_1\\att_1",
  "C:/att_1",
  "ten_1/.hidden",
  "ten_1/att_1.",
  "Ten_1/att_1",
  "ten 1/att_1",
  "ten_1/att\u00001",
  "%2e%2e/att_1",
  "ten_1/ätt_1",
  "a".repeat(513),
  "a/b/c/d/e/f/g/h/i",
];

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "sb-blobs-"));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every file under root, relative, dot files included. */
async function filesUnder(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(root.length + 1));
}

describe("blob keys", () => {
  it("accepts the keys we generate", () => {
    expect(blobKeyProblem(key)).toBeUndefined();
    expect(blobKeyProblem("ten_1/att_1.v2")).toBeUndefined();
    expect(blobKeyProblem("att-1")).toBeUndefined();
  });

  it.each(badKeys.map((k) => [JSON.stringify(k.slice(0, 40)), k]))("refuses %s", (_label, bad) => {
    expect(blobKeyProblem(bad)).toBeTypeOf("string");
  });
});

const stores: [string, () => BlobStore][] = [
  ["filesystem", () => createFilesystemBlobStore(dir)],
  ["memory", () => createMemoryBlobStore()],
];

describe.each(stores)("%s blob store", (_name, create) => {
  it("puts, gets, stats and deletes", async () => {
    const store = create();
    await store.put(key, bytes(1, 2, 3));
    expect(await store.get(key)).toEqual(bytes(1, 2, 3));
    expect(await store.stat(key)).toEqual({ size: 3 });
    await store.delete(key);
    expect(await store.get(key)).toBeUndefined();
    expect(await store.stat(key)).toBeUndefined();
  });

  it("answers undefined for a missing key and deletes one without complaint", async () => {
    const store = create();
    expect(await store.get("ten_1/att_missing")).toBeUndefined();
    expect(await store.stat("ten_1/att_missing")).toBeUndefined();
    await expect(store.delete("ten_1/att_missing")).resolves.toBeUndefined();
  });

  it("replaces a blob on a second put, and stores empty blobs", async () => {
    const store = create();
    await store.put(key, bytes(1, 2, 3));
    await store.put(key, bytes(9));
    expect(await store.get(key)).toEqual(bytes(9));
    await store.put("ten_1/empty", bytes());
    expect(await store.get("ten_1/empty")).toEqual(bytes());
  });

  it("keeps what it stored when the caller changes its array afterwards", async () => {
    const store = create();
    const original = bytes(1, 2, 3);
    await store.put(key, original);
    original[0] = 42;
    const read = await store.get(key);
    expect(read).toEqual(bytes(1, 2, 3));
  });

  it("refuses bad keys on every operation", async () => {
    const store = create();
    for (const bad of badKeys) {
      await expect(store.put(bad, bytes(1))).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.get(bad)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.stat(bad)).rejects.toBeInstanceOf(BlobKeyError);
      await expect(store.delete(bad)).rejects.toBeInstanceOf(BlobKeyError);
    }
  });
});

describe("filesystem blob store", () => {
  it("keeps each blob in a file under the root, readable by the owner only", async () => {
    const store = createFilesystemBlobStore(dir);
    await store.put(key, bytes(7, 7));
    const [tenant, attachment] = key.split("/") as [string, string];
    const path = join(dir, tenant, attachment);
    expect(new Uint8Array(await readFile(path))).toEqual(bytes(7, 7));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, tenant))).mode & 0o777).toBe(0o700);
  });

  it("creates the root and nested directories as needed", async () => {
    const store = createFilesystemBlobStore(join(dir, "not", "yet", "there"), { fsync: false });
    await store.put("a/b/c", bytes(1));
    expect(await store.get("a/b/c")).toEqual(bytes(1));
  });

  it("writes through a temp file and leaves none behind, even with writers racing", async () => {
    const store = createFilesystemBlobStore(dir);
    const big = new Uint8Array(256 * 1024).fill(1);
    const other = new Uint8Array(256 * 1024).fill(2);
    await Promise.all(Array.from({ length: 10 }, (_, i) => store.put(key, i % 2 === 0 ? big : other)));
    const stored = await store.get(key);
    expect([big, other]).toContainEqual(stored);
    expect(await filesUnder(dir)).toEqual([key]);
  });

  it("leaves no temp file when a write fails", async () => {
    const store = createFilesystemBlobStore(dir);
    await store.put("ten_1/att_1/part", bytes(1));
    // "ten_1/att_1" is now a directory, so the rename onto it fails.
    await expect(store.put("ten_1/att_1", bytes(2))).rejects.toThrow();
    expect(await filesUnder(dir)).toEqual(["ten_1/att_1/part"]);
    expect(await store.get("ten_1/att_1")).toBeUndefined();
  });

  it("treats a file where a directory is expected as a missing key", async () => {
    const store = createFilesystemBlobStore(dir);
    await store.put("ten_1", bytes(1));
    expect(await store.get("ten_1/att_1")).toBeUndefined();
    await expect(store.delete("ten_1/att_1")).resolves.toBeUndefined();
  });

  it("never reads outside its root", async () => {
    await writeFile(join(dir, "secret"), "outside");
    const store = createFilesystemBlobStore(join(dir, "blobs"));
    await expect(store.get("../secret")).rejects.toBeInstanceOf(BlobKeyError);
    await expect(store.get("secret")).resolves.toBeUndefined();
  });
});
