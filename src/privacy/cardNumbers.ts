/**
 * Card numbers (PAN) must never reach storage or logs. A card number is 13 to 19 digits that pass
 * the Luhn check, read the way a person would read them, not the way a regular expression does:
 *
 * - text is compared after Unicode NFKC, so full-width "４１１１", mathematical or circled digits
 *   count as the digits they look like;
 * - digits are grouped by any run of separators (spaces of any kind, punctuation such as `-`, `.`,
 *   `/`, and invisible format characters such as zero-width spaces), and a number is any sequence
 *   of whole consecutive groups with 13-19 digits in all;
 * - letters end a group without hiding it, so "kartu4111111111111111" is a card number too.
 *
 * `*` ends a group as well: a masked number ("************1111") never joins its last four digits
 * to its neighbours into a new number.
 */

export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const minDigits = 13;
const maxDigits = 19;

/** ASCII characters that join digit groups. Everything else ASCII but digits ends a group run. */
const asciiSeparators = new Set(" \t\n\r\v\f-./,:;_\\|~'\"()[]{}+=#".split(""));
/** The same, by character code, for the pre-scan. */
const asciiSeparatorCodes: readonly boolean[] = Array.from({ length: 0x80 }, (_, code) =>
  asciiSeparators.has(String.fromCharCode(code)),
);
/** Outside ASCII: spaces, punctuation, invisible format characters and combining marks join groups. */
const unicodeSeparator = /^[\p{Z}\p{P}\p{Cf}\p{M}\s]+$/u;

/** One digit as read after NFKC, and the span of the original text it came from. */
type Digit = { value: number; start: number; end: number };
/** The digits of one run: consecutive groups, joined by separator runs. */
type Run = { digits: Digit[]; groupStarts: number[] };

/**
 * The cheap test every text passes first: a run of digit groups (digits joined by separators,
 * ended by anything else) with fewer than 13 digits cannot hold a card number, and most texts
 * (names, short notes, hexadecimal ids, timestamps) stop here without being normalised. ASCII text
 * is judged by its runs as digitRuns reads them; text with anything beyond ASCII, by its digits in
 * all, after NFKC.
 */
function mayHoldCardNumber(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) return mayHoldCardNumberBeyondAscii(text);
    if (c >= 48 && c <= 57) {
      if (++run >= minDigits) return true;
    } else if (!asciiSeparatorCodes[c]) run = 0;
  }
  return false;
}

function mayHoldCardNumberBeyondAscii(text: string): boolean {
  let ascii = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++ascii >= minDigits) return true;
  }
  let all = 0;
  for (const c of text.normalize("NFKC")) if (c >= "0" && c <= "9" && ++all >= minDigits) return true;
  return false;
}

type Kind = "digit" | "separator" | "other";

function classifyAscii(c: string): Kind {
  if (c >= "0" && c <= "9") return "digit";
  return asciiSeparators.has(c) ? "separator" : "other";
}

/** The runs of digit groups in `text`, each digit mapped back to where it stands in the original. */
function digitRuns(text: string): Run[] {
  const runs: Run[] = [];
  let run: Run = { digits: [], groupStarts: [] };
  let afterSeparator = true;
  const endRun = () => {
    if (run.digits.length >= minDigits) runs.push(run);
    run = { digits: [], groupStarts: [] };
    afterSeparator = true;
  };
  const addDigit = (value: number, start: number, end: number) => {
    if (afterSeparator) run.groupStarts.push(run.digits.length);
    run.digits.push({ value, start, end });
    afterSeparator = false;
  };
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i) as number;
    const width = code > 0xffff ? 2 : 1;
    const char = text.slice(i, i + width);
    if (code < 0x80) {
      const kind = classifyAscii(char);
      if (kind === "digit") addDigit(code - 48, i, i + 1);
      else if (kind === "separator") afterSeparator = true;
      else endRun();
    } else if (unicodeSeparator.test(char)) {
      // Invisible characters (zero-width spaces, joiners, marks) split nothing a reader sees.
      if (!/^[\p{Cf}\p{M}]+$/u.test(char)) afterSeparator = true;
    } else {
      // A compatibility character may stand for several (NFKC "⒑" is "10."), read one by one.
      for (const c of char.normalize("NFKC")) {
        const kind =
          c.charCodeAt(0) < 0x80 ? classifyAscii(c) : unicodeSeparator.test(c) ? "separator" : "other";
        if (kind === "digit") addDigit(c.charCodeAt(0) - 48, i, i + width);
        else if (kind === "separator") afterSeparator = true;
        else endRun();
      }
    }
    i += width;
  }
  endRun();
  return runs;
}

/** [first, last] digit indexes of each card number in the run, longest first from each group. */
function cardNumbersIn(run: Run): Array<[number, number]> {
  const found: Array<[number, number]> = [];
  const { digits, groupStarts } = run;
  let from = 0;
  while (from < groupStarts.length) {
    const start = groupStarts[from] as number;
    let taken = -1;
    for (let to = from + 1; to <= groupStarts.length; to++) {
      const end = to < groupStarts.length ? (groupStarts[to] as number) : digits.length;
      const length = end - start;
      if (length > maxDigits) break;
      if (length < minDigits) continue;
      let number = "";
      for (let d = start; d < end; d++) number += (digits[d] as Digit).value;
      if (passesLuhn(number)) taken = to;
    }
    if (taken < 0) {
      from++;
      continue;
    }
    const end = taken < groupStarts.length ? (groupStarts[taken] as number) : digits.length;
    found.push([start, end - 1]);
    from = taken;
  }
  return found;
}

function maskOnce(text: string): string {
  let out = "";
  let copied = 0;
  for (const run of digitRuns(text)) {
    for (const [first, last] of cardNumbersIn(run)) {
      const firstDigit = run.digits[first] as Digit;
      const lastDigit = run.digits[last] as Digit;
      let lastFour = "";
      for (let d = last - 3; d <= last; d++) lastFour += (run.digits[d] as Digit).value;
      out += text.slice(copied, firstDigit.start) + "*".repeat(last - first - 3) + lastFour;
      copied = lastDigit.end;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Replaces each card number in free text by a mask that keeps only its last four digits (ASCII),
 * separators and invisible characters inside it included: "4111.1111.1111.1111" becomes
 * "************1111". Masked again until nothing changes, so that what is stored never holds a
 * card number by the same reading, not even one formed by a last four and the digits after it.
 */
export function maskCardNumbers(text: string): string {
  let masked = text;
  // The loop's own check is the cheap pre-scan: text that cannot hold a number is returned as is.
  for (let previous = ""; previous !== masked && mayHoldCardNumber(masked); ) {
    previous = masked;
    masked = maskOnce(masked);
  }
  return masked;
}

/** Whether the text holds a card number by maskCardNumbers' reading. */
export function containsCardNumber(text: string): boolean {
  return mayHoldCardNumber(text) && maskOnce(text) !== text;
}

/** Numbers this large are written as whole digits by JSON and may be a card number. */
const smallestCardNumber = 10 ** (minDigits - 1);

/**
 * A JSON number that reads as a card number becomes its masked string; any other stays a number.
 */
function maskCardNumber(value: number): number | string {
  if (!(Math.abs(value) >= smallestCardNumber) || !Number.isFinite(value)) return value;
  const text = String(value);
  const masked = maskCardNumbers(text);
  return masked === text ? value : masked;
}

/**
 * Masks card numbers everywhere inside a JSON-like value, for free-form fields such as a ticket's
 * metadata where a partner may put anything: strings, numbers and object keys.
 */
export function maskCardNumbersDeep<T>(value: T): T {
  if (typeof value === "string") return maskCardNumbers(value) as T;
  if (typeof value === "number") return maskCardNumber(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskCardNumbersDeep(v)) as T;
  if (value !== null && typeof value === "object") {
    // A loop, not Object.fromEntries(Object.entries(...)): this runs on every ticket's metadata.
    const masked: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      masked[maskCardNumbers(key)] = maskCardNumbersDeep((value as Record<string, unknown>)[key]);
    }
    return masked as T;
  }
  return value;
}
