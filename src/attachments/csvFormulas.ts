/**
 * CSV injection (OWASP): a spreadsheet opening a CSV runs any cell that starts with = + - @ (or a
 * tab or carriage return before one) as a formula, which can call out or run commands (DDE). CSV
 * attachments are stored as sent, so their sha256 stays the partner's, and neutralised on download:
 * such a cell gets a leading single quote, which spreadsheets read as "this is text". Plain
 * numbers ("-150000", "+62.5") are left alone, since they are not formulas. Cells are split on
 * comma, semicolon and tab alike, since the separator a spreadsheet uses depends on its locale.
 * Works on bytes: every character that matters is ASCII, which UTF-8 and the single-byte code
 * pages keep as is (UTF-16 text holds NUL bytes and is refused at upload).
 */
const quote = 0x22;
const guard = Buffer.from("'");
const triggers = new Set([0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d]); // = + - @ TAB CR
const boundaries = new Set([0x2c, 0x3b, 0x09, 0x0a, 0x0d]); // , ; TAB LF CR
const plainNumber = /^[+-]?(?:\d+(?:[.,]\d+)*|\.\d+)$/;

export function neutralizeCsvFormulas(csv: Uint8Array): Uint8Array {
  // Runs of the input, with a guard inserted before each dangerous cell; joined once at the end.
  const pieces: Uint8Array[] = [];
  let copiedTo = 0;
  let at = 0;
  while (at <= csv.length) {
    const quoted = csv[at] === quote;
    const cellStart = quoted ? at + 1 : at;
    const cellEnd = quoted ? closingQuote(csv, cellStart) : nextBoundary(csv, cellStart);
    if (needsGuard(csv.subarray(cellStart, cellEnd))) {
      pieces.push(csv.subarray(copiedTo, cellStart), guard);
      copiedTo = cellStart;
    }
    // Past the closing quote and whatever a sloppy writer put after it, then past the boundary.
    at = nextBoundary(csv, cellEnd) + 1;
  }
  if (pieces.length === 0) return csv;
  pieces.push(csv.subarray(copiedTo));
  return Buffer.concat(pieces);
}

function needsGuard(cell: Uint8Array): boolean {
  const first = cell[0];
  return (
    first !== undefined && triggers.has(first) && !plainNumber.test(Buffer.from(cell).toString("latin1"))
  );
}

function nextBoundary(csv: Uint8Array, from: number): number {
  let at = from;
  while (at < csv.length && !boundaries.has(csv[at] as number)) at++;
  return at;
}

/** Index of the quote closing a quoted cell ("" is an escaped quote), or the end of the text. */
function closingQuote(csv: Uint8Array, from: number): number {
  let at = from;
  while (at < csv.length) {
    if (csv[at] === quote) {
      if (csv[at + 1] !== quote) return at;
      at += 2;
    } else {
      at++;
    }
  }
  return csv.length;
}
