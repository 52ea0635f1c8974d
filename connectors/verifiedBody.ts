import type { Context } from "hono";

/*
 * A signed webhook's body is read once, as received, for its signature; the route's validator then
 * reads it again, parsed. Hono answers a read in a second form (the validator's json() or form
 * after an arrayBuffer() or text()) by wrapping the first in a web Response and reading that, and
 * a form through Response.formData(): for the Node adapter a stream, a copy and a parser that
 * expects multipart, a tenth of the API process's CPU for each SMS in the inbound benchmark. Once the
 * signature holds, the route keeps what it parsed in Hono's body cache (HonoRequest.bodyCache,
 * which its json() and form validator read first), so the body is parsed once.
 */

/** Hono keeps each read's promise in bodyCache, whose declared type names the values instead. */
type BodyReads = { text?: Promise<string>; formData?: Promise<FormData> };
const bodyReadsOf = (c: Context) => c.req.bodyCache as unknown as BodyReads;

/** The form the signature was checked over, for the route's form validator. */
export function keepVerifiedForm(c: Context, params: URLSearchParams): void {
  const form = new FormData();
  for (const [name, value] of params) form.append(name, value);
  bodyReadsOf(c).formData = Promise.resolve(form);
}

/**
 * The body whose bytes the signature was checked over, as text (UTF-8, a leading byte order mark
 * dropped, as Response.text() decodes), for the route's json validator: Hono's json() parses its
 * text read, and a body that is no JSON meets the validator's own 400.
 */
export function keepVerifiedText(c: Context, bytes: Uint8Array): void {
  bodyReadsOf(c).text = Promise.resolve(new TextDecoder().decode(bytes));
}
