import { containsCardNumber, maskCardNumbers, maskCardNumbersDeep } from "../privacy/cardNumbers.js";
import type { ThreadHints } from "./message.js";

/**
 * A customer's message is never refused for what PostgreSQL cannot store: the provider would only
 * deliver it again, or drop it. NUL characters and unpaired UTF-16 surrogates become U+FFFD, and
 * card numbers are masked, before anything is written.
 */
export function storableText(text: string): string {
  return maskCardNumbers(text.toWellFormed().replaceAll("\u0000", "\uFFFD"));
}

/**
 * An address or a provider's handle (a phone number, a chat id, a message id, a media URL): kept as
 * sent, since replies go there and redeliveries are recognised by it. Phone numbers and chat ids
 * can pass the Luhn check, and a URL's digit groups can read as one card number: masking them would
 * send replies nowhere. As the service desk does with customer.phone, only a value with more digits
 * than any phone number (E.164 has at most 15) that holds a card number is masked.
 */
export function storableIdentifier(value: string): string {
  const clean = value.toWellFormed().replaceAll("\u0000", "\uFFFD");
  const digits = clean.replace(/\D/g, "").length;
  return digits > 15 && !/^https?:\/\//.test(clean) && containsCardNumber(clean)
    ? maskCardNumbers(clean)
    : clean;
}

/** Texts are cut at this many characters: a service-desk description or comment holds no more. */
export const maxTextLength = 10_000;

/** storableText, cut by code point (never half an emoji) to maxTextLength. */
export function storableMessageText(text: string): string {
  const clean = storableText(text);
  if (clean.length <= maxTextLength) return clean;
  return Array.from(clean).slice(0, maxTextLength).join("");
}

/** The raw payload as kept: every string and key storable and masked, numbers that read as cards masked. */
export function storableRaw(value: unknown, depth = 0): unknown {
  if (depth > 32) return "[too deep]";
  if (typeof value === "string") return storableText(value);
  if (Array.isArray(value)) return value.map((v) => storableRaw(v, depth + 1));
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[storableText(key)] = storableRaw(v, depth + 1);
    return out;
  }
  return maskCardNumbersDeep(value);
}

/** The most message ids a message's hints keep (References of a long chain). */
const maxHintIds = 20;

/**
 * Thread hints as kept: ids and the token as identifiers (a lookup applies the same function, so a
 * masked id still finds itself), the subject as text; a long chain keeps its newest ids.
 */
export function storableHints(hints: ThreadHints): ThreadHints {
  const ids = (list: string[] | undefined) => list?.slice(-maxHintIds).map(storableIdentifier);
  return {
    replyToken: hints.replyToken === undefined ? undefined : storableIdentifier(hints.replyToken),
    inReplyTo: ids(hints.inReplyTo),
    references: ids(hints.references),
    ticketNumber: hints.ticketNumber === undefined ? undefined : storableIdentifier(hints.ticketNumber),
    subject: hints.subject === undefined ? undefined : storableText(hints.subject).slice(0, 500),
  };
}

/**
 * Bytes as letters, a to p for each 4 bits: a handle the hub makes (a reply token, a blob key) that
 * storableIdentifier can never take for a card number, as it holds no digits.
 */
export function letterHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += String.fromCharCode(97 + (byte >> 4), 97 + (byte & 15));
  return out;
}
