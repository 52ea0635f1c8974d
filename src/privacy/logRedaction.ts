import { stdSerializers } from "pino";
import { maskCardNumbers } from "./cardNumbers.js";

/**
 * Logs are read by more people than the database is. Values under these keys are dropped whole,
 * and every other string is scrubbed of e-mail addresses, phone numbers and long digit runs
 * (card and account numbers) before a line is written.
 */
const secretKeys = new Set(
  [
    "authorization",
    "x-api-key",
    "cookie",
    "set-cookie",
    "password",
    "secret",
    "token",
    "apikey",
    "api_key",
    "key",
    "admintoken",
    "accesstoken",
    "refreshtoken",
    "content",
    "email",
    "phone",
    "nomorkartu",
    "nomorrekening",
    "cardnumber",
    "accountnumber",
  ].map((k) => k.toLowerCase()),
);

const email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const phone = /(?<![0-9A-Za-z_-])\+?\d[\d ()-]{7,}\d(?![0-9A-Za-z_-])/g;
const longDigitRun = /(?<![0-9A-Za-z_-])\d{8,}(?![0-9A-Za-z_-])/g;
// Identifiers are ours (prefixed ids, UUIDs, job ids) and say nothing about a person.
const identifierKey = /(^id$|Id$|_id$|^requestId$)/;

export function scrubText(text: string): string {
  return maskCardNumbers(text)
    .replace(email, "[email]")
    .replace(phone, (m) => (m.replace(/\D/g, "").length >= 8 ? "[phone]" : m))
    .replace(longDigitRun, (m) => `[${m.length} digits]`);
}

const redacted = "[REDACTED]";

export function scrubValue(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return scrubText(value);
  if (value === null || typeof value !== "object" || depth > 8) return value;
  // pino's own error shape (type, message, stack, code, cause...), then scrubbed like the rest:
  // pino formats a log object before its serializers run, so this is where errors are handled.
  if (value instanceof Error) return scrubValue(stdSerializers.err(value), depth + 1);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (secretKeys.has(k.toLowerCase())) out[k] = redacted;
    else if (identifierKey.test(k) && typeof v === "string") out[k] = v;
    else out[k] = scrubValue(v, depth + 1);
  }
  return out;
}
