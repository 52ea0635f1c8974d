/**
 * Strict base64. Buffer.from(text, "base64") skips characters it does not know and stops at a
 * stray "=", so garbage decodes to some bytes instead of failing; here it fails. Accepted: the
 * standard alphabet or the URL-safe one (not both in one string), padding optional but correct
 * when present, and ASCII whitespace anywhere (MIME encoders break lines every 76 characters).
 */
export type Base64Result = { ok: true; bytes: Uint8Array } | { ok: false; problem: string };

const whitespace = /[\t\n\f\r ]+/g;
const standardAlphabet = /^[A-Za-z0-9+/]*$/;
const urlSafeAlphabet = /^[A-Za-z0-9_-]*$/;

export function decodeBase64(text: string, limits: { maxBytes: number }): Base64Result {
  const compact = text.replace(whitespace, "");
  const padding = /={1,2}$/.exec(compact)?.[0].length ?? 0;
  const body = compact.slice(0, compact.length - padding);
  if (body.length === 0) return { ok: false, problem: "is empty" };
  const encoding = standardAlphabet.test(body)
    ? "base64"
    : urlSafeAlphabet.test(body)
      ? "base64url"
      : undefined;
  if (encoding === undefined)
    return { ok: false, problem: "is not base64: it holds characters outside the alphabet" };
  const lengthFits = padding > 0 ? (body.length + padding) % 4 === 0 : body.length % 4 !== 1;
  if (!lengthFits) return { ok: false, problem: "is not base64: its length or padding is wrong" };
  // Known before decoding, so an oversized attachment costs no allocation.
  const size = Math.floor((body.length * 3) / 4);
  if (size > limits.maxBytes) {
    return { ok: false, problem: `is ${size} bytes, more than the limit of ${limits.maxBytes} bytes` };
  }
  const buffer = Buffer.from(body, encoding);
  // Non-zero bits left over in the last character are dropped by the decoder; such a text is not
  // the encoding of any byte string, so it is refused rather than silently altered.
  if (buffer.toString(encoding).replace(/=+$/, "") !== body) {
    return { ok: false, problem: "is not base64: its last character carries stray bits" };
  }
  return { ok: true, bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) };
}
