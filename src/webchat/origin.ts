import type { WebChatSettings } from "../config.js";

/**
 * Whether a page may open the web chat socket. Browsers always send the page's Origin with a
 * WebSocket upgrade, and scripts cannot change it: the hub's own pages (the demo page; an Origin
 * whose host is the request's Host) always may, others when WEBCHAT_ALLOWED_ORIGINS lists them or
 * is `*`, or when the tenant's own list (`webchatOrigins`, set by an operator) does: a bank's site
 * opens its own tenant's chat, not another's. Without an Origin (not a browser) only `*` lets it
 * in. Note that an Origin is no credential: a client outside a browser can send any; it keeps
 * other sites from embedding the chat.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  allowed: WebChatSettings["allowedOrigins"],
  tenantOrigins: readonly string[] = [],
): boolean {
  if (allowed === "*") return true;
  if (!origin || !URL.canParse(origin)) return false;
  const url = new URL(origin);
  if (host !== undefined && url.host === host.toLowerCase()) return true;
  return allowed.includes(url.origin) || tenantOrigins.includes(url.origin);
}

/** `text` as an origin (`https://bank.example[:port]`, http or https, nothing after the host), else undefined. */
export function originOf(text: string): string | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  if (!/^https?:$/.test(url.protocol) || (url.pathname !== "/" && url.pathname !== "")) return undefined;
  if (url.search || url.hash || url.username) return undefined;
  return url.origin;
}
