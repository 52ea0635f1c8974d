import type { HttpBindings } from "@hono/node-server";
import type { Context } from "hono";

/**
 * Sets a header that this request's response carries whatever produces it (a route, an error, the
 * queue dashboard). Under Node it goes on the ServerResponse itself: one set through hono before
 * the response exists makes hono and the Node adapter build a web Headers object for every
 * response, the largest cost of answering a request after the socket write. Elsewhere (app.request
 * in tests, other runtimes) it goes through hono.
 */
export function setResponseHeader(c: Context, name: string, value: string): void {
  const outgoing = (c.env as Partial<HttpBindings> | undefined)?.outgoing;
  if (outgoing && !outgoing.headersSent) outgoing.setHeader(name, value);
  else c.header(name, value, { append: true });
}
