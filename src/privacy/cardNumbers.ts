/**
 * Card numbers (PAN) must never reach storage or logs. A candidate is a run of 13 to 19 digits,
 * optionally grouped by single spaces or dashes, that passes the Luhn check.
 */
// Not glued to letters or other digits, so identifiers such as UUIDs are never taken for a card.
const candidatePan = /(?<![0-9A-Za-z])\d(?:[ -]?\d){12,18}(?![0-9A-Za-z])/g;

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

/** Replaces each Luhn-valid card number in free text by a mask that keeps only its last four digits. */
export function maskCardNumbers(text: string): string {
  return text.replace(candidatePan, (match) => {
    const digits = match.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19 || !passesLuhn(digits)) return match;
    return `${"*".repeat(digits.length - 4)}${digits.slice(-4)}`;
  });
}

/**
 * maskCardNumbers over every string inside a JSON-like value (objects, arrays), for free-form
 * fields such as a ticket's metadata, where a partner may put anything.
 */
export function maskCardNumbersDeep<T>(value: T): T {
  if (typeof value === "string") return maskCardNumbers(value) as T;
  if (Array.isArray(value)) return value.map((v) => maskCardNumbersDeep(v)) as T;
  if (value !== null && typeof value === "object") {
    // A loop, not Object.fromEntries(Object.entries(...)): this runs on every ticket's metadata.
    const masked: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      masked[key] = maskCardNumbersDeep((value as Record<string, unknown>)[key]);
    }
    return masked as T;
  }
  return value;
}
