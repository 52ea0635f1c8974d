import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type DestinationPolicy, isAllowedAddress } from "../../src/webhooks/destinationPolicy.js";
import { guardedLookup } from "../../src/webhooks/resolvedDestination.js";

export type PushAnswer =
  | {
      kind: "answered";
      statusCode: number;
      location: string | undefined;
      retryAfter: string | undefined;
      excerpt: string;
    }
  | { kind: "failed"; error: string };

const excerptBytes = 512;

/**
 * POSTs one encrypted push message. The endpoint came from a customer's browser, so it is held to
 * the webhooks' destination policy: the lookup that connects checks every resolved address (no
 * pooled sockets, which would skip it), literal IPs are checked here. One deadline for the exchange.
 */
export function postPush(
  endpoint: string,
  request: { headers: Record<string, string>; body: Buffer },
  options: { timeoutMs: number; policy: DestinationPolicy },
): Promise<PushAnswer> {
  return new Promise((resolve) => {
    const url = new URL(endpoint);
    const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
    if (isIP(host) && !isAllowedAddress(host, options.policy))
      return resolve({ kind: "failed", error: "push endpoint address refused by policy" });
    const client = url.protocol === "https:" ? https : http;
    const req = client.request(url, {
      method: "POST",
      headers: { ...request.headers, "content-length": String(request.body.length) },
      lookup: guardedLookup(options.policy),
      agent: false,
    });
    const deadline = setTimeout(
      () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)),
      options.timeoutMs,
    );
    req.on("error", (err) => {
      clearTimeout(deadline);
      resolve({ kind: "failed", error: err.message });
    });
    req.on("response", (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      const finish = () => {
        clearTimeout(deadline);
        const header = (name: string) => {
          const value = response.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        resolve({
          kind: "answered",
          statusCode: response.statusCode ?? 0,
          location: header("location"),
          retryAfter: header("retry-after"),
          excerpt: Buffer.concat(chunks).subarray(0, excerptBytes).toString("utf8"),
        });
      };
      response.on("data", (chunk: Buffer) => {
        if (kept < excerptBytes) chunks.push(chunk);
        kept += chunk.length;
        if (kept >= excerptBytes) {
          response.destroy();
          finish();
        }
      });
      response.on("end", finish);
      response.on("error", finish);
    });
    req.end(request.body);
  });
}
