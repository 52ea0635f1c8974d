import { crc32, deflateRawSync } from "node:zlib";

export type ZipFile = { name: string; content: string | Uint8Array; stored?: boolean };

/** A minimal zip writer for test fixtures: deflated entries (stored on request) and a central directory. */
export function zipOf(files: readonly ZipFile[]): Uint8Array {
  const locals: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const name = Buffer.from(file.name, "utf8");
    const raw = Buffer.from(file.content);
    const data = file.stored ? raw : deflateRawSync(raw);
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at); // version needed
      header.writeUInt16LE(0x0800, at + 2); // UTF-8 names
      header.writeUInt16LE(file.stored ? 0 : 8, at + 4);
      header.writeUInt32LE(0, at + 6); // time and date
      header.writeUInt32LE(crc32(raw), at + 10);
      header.writeUInt32LE(data.length, at + 14);
      header.writeUInt32LE(raw.length, at + 18);
      header.writeUInt16LE(name.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    locals.push(local, name, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4); // version made by
    fields(central, 6);
    central.writeUInt32LE(offset, 42);
    directory.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directoryBytes = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(directoryBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...locals, directoryBytes, end]));
}

const contentTypes = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`;
const relationshipsNs = "http://schemas.openxmlformats.org/package/2006/relationships";
export const relationshipType = (kind: string) =>
  `http://schemas.openxmlformats.org/officeDocument/2006/relationships/${kind}`;

/** A relationship part holding the given <Relationship> attributes. */
export function relationshipsXml(relationships: readonly Record<string, string>[]): string {
  const elements = relationships
    .map((r, i) => {
      const attributes = Object.entries({ Id: `rId${i + 1}`, ...r })
        .map(([k, v]) => `${k}="${v}"`)
        .join(" ");
      return `<Relationship ${attributes}/>`;
    })
    .join("");
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="${relationshipsNs}">${elements}</Relationships>`;
}

/** The smallest Word document Word opens, plus any extra parts. */
export function docxOf(extra: readonly ZipFile[] = []): Uint8Array {
  return zipOf([
    { name: "[Content_Types].xml", content: contentTypes },
    {
      name: "_rels/.rels",
      content: relationshipsXml([{ Type: relationshipType("officeDocument"), Target: "word/document.xml" }]),
    },
    {
      name: "word/document.xml",
      content:
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Bukti transfer</w:t></w:r></w:p></w:body></w:document>',
    },
    ...extra,
  ]);
}

/** The smallest Excel workbook, plus any extra parts. */
export function xlsxOf(extra: readonly ZipFile[] = []): Uint8Array {
  return zipOf([
    { name: "[Content_Types].xml", content: contentTypes },
    {
      name: "_rels/.rels",
      content: relationshipsXml([{ Type: relationshipType("officeDocument"), Target: "xl/workbook.xml" }]),
    },
    {
      name: "xl/workbook.xml",
      content:
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>',
    },
    ...extra,
  ]);
}
