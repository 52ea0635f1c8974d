import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type DestinationPolicy, isAllowedAddress, literalHost } from "./destinationPolicy.js";
import { guardedLookup } from "./resolvedDestination.js";

/** How much of a response body is read and kept: enough to show a partner's error message. */
const responseExcerptBytes = 1024;

export type SendResult =
  | { kind: "answered"; statusCode: number; excerpt: string; latencyMs: number }
  | { kind: "failed"; error: string; latencyMs: number };

/**
 * POSTs one webhook. Redirects are not followed (node's client never does: a 3xx is an answer,
 * and a failed attempt); the body read is capped; the whole exchange has one deadline. Addresses
 * are checked by the lookup that the connection uses, and literal IPs here, as the lookup never
 * sees them.
 */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; policy: DestinationPolicy },
): Promise<SendResult> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const url = new URL(target);
    const host = literalHost(url);
    if (isIP(host) && !isAllowedAddress(host, options.policy)) {
      return resolve({ kind: "failed", error: "destination address refused by policy", latencyMs: 0 });
    }
    const client = url.protocol === "https:" ? https : http;
    const request = client.request(url, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json", "user-agent": "Switchboard-Webhooks/1" },
      lookup: guardedLookup(options.policy),
      // No pooled sockets: a kept connection would skip the lookup, and with it the address check.
      agent: false,
    });
    const deadline = setTimeout(
      () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    request.on("error", (err) => {
      clearTimeout(deadline);
      resolve({ kind: "failed", error: err.message, latencyMs: latencyMs() });
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = () => {
        clearTimeout(deadline);
        const excerpt = Buffer.concat(chunks).subarray(0, responseExcerptBytes).toString("utf8");
        resolve({ kind: "answered", statusCode: response.statusCode ?? 0, excerpt, latencyMs: latencyMs() });
      };
      response.on("data", (chunk: Buffer) => {
        if (kept < responseExcerptBytes) chunks.push(chunk);
        kept += chunk.length;
        // The rest is not wanted: stop reading rather than download a large answer.
        if (kept >= responseExcerptBytes) {
          response.destroy();
          finish();
        }
      });
      response.on("end", finish);
      response.on("error", finish);
    });
    request.end(body);
  });
}
