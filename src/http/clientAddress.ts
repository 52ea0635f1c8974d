import { getConnInfo } from "@hono/node-server/conninfo";
import type { Context } from "hono";

/**
 * The address a request came from, for throttling. By default the socket's peer: X-Forwarded-For
 * is written by whoever sends the request, so it is believed only when the operator says how many
 * proxies of theirs append to it (TRUST_PROXY); then the address the outermost trusted proxy saw
 * is used, counted from the right, and anything further left (the client's own claims) is ignored.
 */
export function clientAddressOf(trustedProxies: number): (c: Context) => string {
  return function clientAddress(c) {
    return addressBehindProxies(socketAddress(c), c.req.header("x-forwarded-for"), trustedProxies);
  };
}

/** The same rule for a request Hono does not see (a WebSocket upgrade): its peer and X-Forwarded-For. */
export function addressBehindProxies(
  peer: string | undefined,
  forwardedFor: string | undefined,
  trustedProxies: number,
): string {
  const socketPeer = peer ?? "unknown";
  if (trustedProxies === 0) return socketPeer;
  const forwarded = forwardedFor
    ?.split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop.length > 0);
  if (!forwarded || forwarded.length === 0) return socketPeer;
  return forwarded[Math.max(0, forwarded.length - trustedProxies)] ?? socketPeer;
}

function socketAddress(c: Context): string | undefined {
  // Outside the Node server (app.request in tests) there is no socket to ask.
  const bindings = c.env as { incoming?: unknown; server?: { incoming?: unknown } } | undefined;
  if (!bindings?.incoming && !bindings?.server?.incoming) return undefined;
  return getConnInfo(c).remote.address;
}
