import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { decodeBase64 } from "../src/attachments/base64.js";
import {
  type AttachmentInput,
  decodeAttachment,
  decodeAttachments,
  maxDescriptionLength,
} from "../src/attachments/decode.js";
import { fallbackFilename, maxFilenameBytes, sanitizeFilename } from "../src/attachments/filename.js";
import { docxMimeType, normalizeMimeType, xlsxMimeType } from "../src/attachments/mimeTypes.js";
import { docxOf, xlsxOf } from "./support/zip.js";

const limits = { maxBytes: 10 * 1024 * 1024 };

/** Bytes from numbers and latin1 strings, in order. */
function bytesOf(...parts: (number[] | string)[]): Uint8Array {
  return new Uint8Array(
    Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "latin1") : Buffer.from(p)))),
  );
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

// A complete 1×1 PNG.
const png = new Uint8Array(
  Buffer.from(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    "base64",
  ),
);
// A complete 1×1 GIF.
const gif = new Uint8Array(Buffer.from("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7", "base64"));
// SOI, a JFIF APP0 segment, EOI: the head of every JFIF file.
const jpeg = bytesOf(
  [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10],
  "JFIF",
  [0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9],
);
const webp = bytesOf(
  "RIFF",
  [0x1a, 0, 0, 0],
  "WEBPVP8L",
  [0x0d, 0, 0, 0, 0x2f, 0, 0, 0, 0x10, 0x07, 0x10, 0x11],
);
const pdf = bytesOf("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n");
const zipHead = [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 0x08, 0];
const docx = docxOf();
const xlsx = xlsxOf();
const exe = bytesOf(
  "MZ",
  [0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff],
  "This program cannot be run in DOS mode",
);

function input(overrides: Partial<AttachmentInput> & { bytes?: Uint8Array } = {}): AttachmentInput {
  const { bytes = png, ...rest } = overrides;
  return {
    filename: "error_screenshot.png",
    mimeType: "image/png",
    size: bytes.byteLength,
    content: b64(bytes),
    ...rest,
  };
}

function problemOf(attachment: AttachmentInput, max = limits) {
  const result = decodeAttachment(attachment, max);
  if (result.ok) throw new Error(`expected a problem, got ${result.file.filename}`);
  return { field: result.field, problem: result.problem };
}

describe("decodeAttachment: the service-desk document's examples", () => {
  it("accepts the ADD_ATTACHMENT example as written, though its size claims 1024 bytes for 29", () => {
    const result = decodeAttachment(
      {
        filename: "system_logs.txt",
        mimeType: "text/plain",
        size: 1024,
        content: "VGhpcyBpcyBhIHNhbXBsZSBsb2cgZmlsZQ==",
      },
      limits,
    );
    expect(result).toEqual({
      ok: true,
      file: {
        filename: "system_logs.txt",
        mimeType: "text/plain",
        size: 25,
        bytes: bytesOf("This is a sample log file"),
        sha256: sha256(bytesOf("This is a sample log file")),
        description: null,
      },
    });
  });

  it("accepts a real PNG sent the way the ticket-create example sends it", () => {
    const result = decodeAttachment(
      input({ size: 245760, description: "Screenshot of error message" }),
      limits,
    );
    expect(result.ok && result.file).toEqual({
      filename: "error_screenshot.png",
      mimeType: "image/png",
      size: png.byteLength,
      bytes: png,
      sha256: sha256(png),
      description: "Screenshot of error message",
    });
  });
});

describe("decodeAttachment: accepted types", () => {
  it.each([
    ["image/png", "a.png", png],
    ["image/jpeg", "a.jpg", jpeg],
    ["image/jpeg", "a.JPEG", jpeg],
    ["image/gif", "a.gif", gif],
    ["image/webp", "a.webp", webp],
    ["application/pdf", "a.pdf", pdf],
    ["text/plain", "a.log", bytesOf("2024-12-19 10:30 ERROR ERR_500\r\n\tat Login\n")],
    ["text/csv", "a.csv", bytesOf("tanggal,nominal\n2024-12-19,500000\n")],
    [docxMimeType, "a.docx", docx],
    [xlsxMimeType, "a.xlsx", xlsx],
  ])("%s (%s)", (mimeType, filename, bytes) => {
    const result = decodeAttachment(input({ mimeType, filename, bytes }), limits);
    expect(result.ok && result.file).toMatchObject({ mimeType, filename, size: bytes.byteLength, bytes });
  });

  it("normalises the declared type: case, parameters, image/jpg", () => {
    expect(normalizeMimeType(" Image/PNG ; charset=binary")).toBe("image/png");
    const result = decodeAttachment(input({ mimeType: "image/jpg", filename: "a.jpg", bytes: jpeg }), limits);
    expect(result.ok && result.file.mimeType).toBe("image/jpeg");
  });

  it.each([
    "image/svg+xml",
    "text/html",
    "application/x-msdownload",
    "application/msword",
    "application/zip",
    "",
  ])("refuses the type %j", (mimeType) => {
    expect(problemOf(input({ mimeType })).field).toBe("mimeType");
  });
});

describe("decodeAttachment: content must be what it claims", () => {
  it("refuses a PNG declared as a JPEG, naming what it is", () => {
    expect(problemOf(input({ mimeType: "image/jpeg", filename: "a.jpg" }))).toEqual({
      field: "content",
      problem: "is a PNG image, not a JPEG image",
    });
  });

  it("refuses an executable declared as an image or a PDF", () => {
    expect(problemOf(input({ bytes: exe }))).toEqual({
      field: "content",
      problem: "is not a PNG image: its first bytes do not match",
    });
    expect(problemOf(input({ bytes: exe, mimeType: "application/pdf" })).field).toBe("content");
  });

  it("refuses a PDF whose header is not at the start (polyglot files)", () => {
    const polyglot = bytesOf("<html><script>alert(1)</script>", Array.from(pdf));
    expect(
      problemOf(input({ bytes: bytesOf("<html>junk</html>\n%PDF-1.4\n"), mimeType: "application/pdf" }))
        .field,
    ).toBe("content");
    expect(problemOf(input({ bytes: polyglot, mimeType: "application/pdf" })).field).toBe("content");
  });

  it("refuses text holding NUL bytes or another type's signature", () => {
    expect(problemOf(input({ mimeType: "text/plain", bytes: bytesOf("a", [0], "b") }))).toEqual({
      field: "content",
      problem: "contains NUL bytes, so it is not a text file",
    });
    expect(problemOf(input({ mimeType: "text/plain", bytes: exe })).field).toBe("content");
    expect(problemOf(input({ mimeType: "text/csv", bytes: pdf }))).toEqual({
      field: "content",
      problem: "is a PDF document, not a CSV file",
    });
  });

  it("refuses Office files with macros, and zips that are not the declared document", () => {
    const macro = docxOf([{ name: "word/vbaProject.bin", content: "Attribute VB_Name" }]);
    expect(problemOf(input({ mimeType: docxMimeType, bytes: macro }))).toEqual({
      field: "content",
      problem: "contains macros, which are not accepted",
    });
    expect(problemOf(input({ mimeType: docxMimeType, bytes: xlsx })).problem).toBe(
      "is an Excel workbook (.xlsx), not a Word document (.docx)",
    );
    const plainZip = bytesOf(zipHead, "payload.exe");
    expect(problemOf(input({ mimeType: xlsxMimeType, bytes: plainZip })).field).toBe("content");
  });
});

describe("decodeAttachment: base64", () => {
  const text = bytesOf("hello, bank");

  it("accepts line breaks, missing padding and the URL-safe alphabet", () => {
    const wrapped = `${b64(png).slice(0, 20)}\r\n${b64(png).slice(20, 40)}\n  ${b64(png).slice(40)}`;
    expect(decodeAttachment(input({ content: wrapped }), limits).ok).toBe(true);
    const urlSafe = bytesOf([0xfb, 0xff, 0xfe, 0x0a]);
    const result = decodeAttachment(
      input({ mimeType: "text/plain", filename: "a.txt", bytes: urlSafe, content: "-__-Cg" }),
      limits,
    );
    expect(result.ok && result.file.bytes).toEqual(urlSafe);
    expect(decodeBase64(b64(text).replace(/=+$/, ""), limits)).toEqual({ ok: true, bytes: text });
  });

  it.each([
    ["characters Node would skip", "aGVs*bG8="],
    ["a data URL that is not base64", "data:text/plain,hello"],
    ["a stray '=' inside", "aGVs=bG8="],
    ["a length no encoder produces", "aGVsb"],
    ["wrong padding", "aGVsbA="],
    ["too much padding", "aGVsbG8==="],
    ["stray bits in the last character", "aGVsbH=="],
    ["both alphabets at once", "ab+_"],
    ["non-ASCII digits", "aGVs\u0661bG8="],
  ])("refuses %s", (_label, content) => {
    expect(problemOf(input({ mimeType: "text/plain", filename: "a.txt", content, size: 100 })).field).toBe(
      "content",
    );
  });

  it("refuses empty content", () => {
    for (const content of ["", "  \r\n ", "data:image/png;base64,"]) {
      expect(problemOf(input({ content }))).toEqual({ field: "content", problem: "is empty" });
    }
  });

  it("strips a data URL prefix whose type agrees, and refuses one that does not", () => {
    const result = decodeAttachment(input({ content: `data:image/png;base64,${b64(png)}` }), limits);
    expect(result.ok && result.file.bytes).toEqual(png);
    expect(decodeAttachment(input({ content: `DATA:;base64,${b64(png)}` }), limits).ok).toBe(true);
    expect(problemOf(input({ content: `data:image/jpeg;base64,${b64(png)}` }))).toEqual({
      field: "content",
      problem: "is a data URL of image/jpeg, but mimeType is image/png",
    });
  });
});

describe("decodeAttachment: sizes", () => {
  it("takes the limit on decoded bytes, exactly", () => {
    const bytes = bytesOf("x".repeat(100));
    const text = { mimeType: "text/plain", filename: "a.txt", bytes };
    expect(decodeAttachment(input(text), { maxBytes: 100 }).ok).toBe(true);
    expect(problemOf(input(text), { maxBytes: 99 })).toEqual({
      field: "content",
      problem: "is 100 bytes, more than the limit of 99 bytes",
    });
  });

  it("refuses content larger than the declared size; stores the decoded size", () => {
    expect(problemOf(input({ size: png.byteLength - 1 }))).toEqual({
      field: "size",
      problem: `is ${png.byteLength - 1} bytes, but the content decodes to ${png.byteLength} bytes`,
    });
    const result = decodeAttachment(input({ size: png.byteLength + 1000 }), limits);
    expect(result.ok && result.file.size).toBe(png.byteLength);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "1024" as unknown as number])(
    "refuses the declared size %s",
    (size) => {
      expect(problemOf(input({ size })).field).toBe("size");
    },
  );
});

describe("decodeAttachment: names and descriptions", () => {
  it.each([
    ["../../etc/passwd", "text/plain", "passwd.txt"],
    ["C:\\Users\\budi\\Desktop\\bukti transfer.pdf", "application/pdf", "bukti transfer.pdf"],
    ["report.exe", "application/pdf", "report.exe.pdf"],
    ["invoice.html", "text/plain", "invoice.html.txt"],
    ["screenshot", "image/png", "screenshot.png"],
    ["PHOTO.JPG", "image/jpeg", "PHOTO.JPG"],
    ["...", "image/png", "attachment.png"],
    ["nul.png", "image/png", "_nul.png"],
  ])("stores %j sent as %s as %j", (filename, mimeType, stored) => {
    const bytes =
      { "text/plain": bytesOf("log"), "application/pdf": pdf, "image/jpeg": jpeg }[mimeType] ?? png;
    const result = decodeAttachment(input({ filename, mimeType, bytes }), limits);
    expect(result.ok && result.file.filename).toBe(stored);
  });

  it("refuses a missing file name", () => {
    expect(problemOf(input({ filename: "  " })).field).toBe("filename");
  });

  it("masks card numbers in names and descriptions; drops control characters", () => {
    const result = decodeAttachment(
      input({
        filename: "kartu 4111\u200b1111 1111 1111.png",
        description: "  kartu 4111 1111 1111 1111 tertelan\u0000 di ATM\n  ",
      }),
      limits,
    );
    expect(result.ok && result.file.filename).toBe("kartu xxxxxxxxxxxx1111.png");
    expect(result.ok && result.file.description).toBe("kartu ************1111 tertelan di ATM");
    const blank = decodeAttachment(input({ description: "   " }), limits);
    expect(blank.ok && blank.file.description).toBeNull();
  });

  it("refuses an overlong description", () => {
    const description = "x".repeat(maxDescriptionLength + 1);
    expect(problemOf(input({ description })).field).toBe("description");
  });
});

describe("decodeAttachments", () => {
  it("decodes every attachment of a request", () => {
    const result = decodeAttachments(
      [input(), input({ filename: "b.pdf", mimeType: "application/pdf", bytes: pdf })],
      {
        ...limits,
        maxCount: 2,
      },
    );
    expect(result.ok && result.files.map((f) => f.filename)).toEqual(["error_screenshot.png", "b.pdf"]);
  });

  it("reports each problem by field path, and too many attachments", () => {
    const result = decodeAttachments([input(), input({ mimeType: "text/html" }), input({ content: "%%%" })], {
      ...limits,
      maxCount: 3,
    });
    expect(result).toEqual({
      ok: false,
      fields: {
        "attachments.1.mimeType": expect.stringContaining("is not accepted"),
        "attachments.2.content": expect.stringContaining("is not base64"),
      },
    });
    expect(decodeAttachments([input(), input()], { ...limits, maxCount: 1 })).toEqual({
      ok: false,
      fields: { attachments: "at most 1 attachments per request" },
    });
  });
});

describe("sanitizeFilename", () => {
  it.each([
    ["../../etc/passwd", "passwd"],
    ["..\\..\\windows\\system32\\cmd.exe", "cmd.exe"],
    ["dir/", fallbackFilename],
    ["a\u0000b\u0007c.txt", "abc.txt"],
    ["invoice\u202Efdp.exe", "invoicefdp.exe"],
    ["pay\u200Broll\uFEFF.pdf", "payroll.pdf"],
    ['a<b>c:d"e|f?g*h.txt', "a_b_c_d_e_f_g_h.txt"],
    ["my \t file\n\u00a0 name.txt", "my file name.txt"],
    [".htaccess", "htaccess"],
    ["..", fallbackFilename],
    ["", fallbackFilename],
    ["   ", fallbackFilename],
    ["\u202E", fallbackFilename],
    ["evil.pdf. . ", "evil.pdf"],
    ["e\u0301tude.txt", "\u00e9tude.txt"],
    ["Bukti Transfer – Budi Śantoso.pdf", "Bukti Transfer – Budi Śantoso.pdf"],
    ["CON", "_CON"],
    ["nul.txt", "_nul.txt"],
    ["com1.tar.gz", "_com1.tar.gz"],
    ["LPT9", "_LPT9"],
    ["con .txt", "_con .txt"],
    ["console.txt", "console.txt"],
  ])("%j → %j", (name, expected) => {
    expect(sanitizeFilename(name)).toBe(expected);
  });

  it("shortens long names to whole characters, keeping the extension", () => {
    const ascii = sanitizeFilename(`${"a".repeat(300)}.pdf`);
    expect(Buffer.byteLength(ascii)).toBe(maxFilenameBytes);
    expect(ascii.endsWith("aaa.pdf")).toBe(true);

    const accented = sanitizeFilename(`${"é".repeat(150)}.txt`);
    expect(Buffer.byteLength(accented)).toBeLessThanOrEqual(maxFilenameBytes);
    expect(accented).toMatch(/^é+\.txt$/);

    const emoji = sanitizeFilename(`${"👍🏽".repeat(60)}.png`);
    expect(Buffer.byteLength(emoji)).toBeLessThanOrEqual(maxFilenameBytes);
    expect(emoji).toMatch(/^(?:👍🏽)+\.png$/u);

    expect(sanitizeFilename(`a.${"b".repeat(300)}`)).toHaveLength(maxFilenameBytes);
    expect(sanitizeFilename(`${"a".repeat(20)}.pdf`, 10)).toBe(`${"a".repeat(20)}.pdf`);
  });
});
