import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { type DestinationPolicy, isAllowedAddress, literalHost } from "./destinationPolicy.js";
import { guardedLookup } from "./resolvedDestination.js";

/** How much of a response body is read and kept: enough to show a partner's error message. */
const responseExcerptBytes = 1024;

/**
 * How long a kept connection may sit idle before the hub closes it: below the 5 s that Node's and
 * Apache's servers keep one, so the hub is not the one writing on a socket the partner just closed.
 */
const idleSocketMs = 4000;

export type SendResult =
  | { kind: "answered"; statusCode: number; excerpt: string; latencyMs: number }
  | { kind: "failed"; error: string; latencyMs: number };

type Agents = { http: http.Agent; https: https.Agent };

/**
 * Keep-alive agents, one pair per policy. A pooled socket skips the lookup, and it may: it was
 * connected by that lookup to an address the same policy allowed, and a DNS answer that changes
 * later cannot move an open connection. Keeping connections spares partners (and the hub) a TCP and
 * TLS handshake per delivery.
 */
const agentsByPolicy = new WeakMap<DestinationPolicy, Agents>();
function agentsOf(policy: DestinationPolicy): Agents {
  let agents = agentsByPolicy.get(policy);
  if (!agents) {
    const options = { keepAlive: true, timeout: idleSocketMs, scheduling: "lifo" as const };
    agents = { http: new http.Agent(options), https: new https.Agent(options) };
    agentsByPolicy.set(policy, agents);
  }
  return agents;
}

/**
 * POSTs one webhook. Redirects are not followed (node's client never does: a 3xx is an answer,
 * and a failed attempt); the body read is capped; the whole exchange has one deadline. Addresses
 * are checked by the lookup that opens each connection, and literal IPs here, as the lookup never
 * sees them. A kept connection that the partner closed as the request went out is retried once on
 * a new one: the partner read nothing of it.
 */
export function postWebhook(
  target: string,
  body: string,
  headers: Record<string, string>,
  options: { timeoutMs: number; policy: DestinationPolicy },
): Promise<SendResult> {
  const started = performance.now();
  const url = parsedTarget(target);
  if (!literalAddressAllowed(url.request.hostname, options.policy)) {
    return Promise.resolve({ kind: "failed", error: "destination address refused by policy", latencyMs: 0 });
  }
  const deadline = started + options.timeoutMs;
  return send(url, body, headers, options.policy, deadline, started, true);
}

/** A target URL as node's client takes it (what it would make of a URL itself); `hostname` is the host as written, IPv6 unbracketed. */
type ParsedTarget = {
  readonly secure: boolean;
  readonly request: Readonly<{
    protocol: string;
    hostname: string;
    port?: number;
    path: string;
    auth?: string;
  }>;
};

/**
 * Targets parsed once: an endpoint's URL is the same for each of its deliveries, and parsing it,
 * then having node's client turn the URL into request options again, was about 2 % of a busy
 * worker's time. Bounded like the literal verdicts: past it the memo starts again.
 */
const parsedTargets = new Map<string, ParsedTarget>();
const maxParsedTargets = 1000;

function parsedTarget(target: string): ParsedTarget {
  let parsed = parsedTargets.get(target);
  if (!parsed) {
    const url = new URL(target);
    parsed = {
      secure: url.protocol === "https:",
      request: {
        protocol: url.protocol,
        hostname: literalHost(url),
        port: url.port === "" ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        auth:
          url.username || url.password
            ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`
            : undefined,
      },
    };
    if (parsedTargets.size >= maxParsedTargets) parsedTargets.clear();
    parsedTargets.set(target, parsed);
  }
  return parsed;
}

/** Verdicts on literal addresses, per policy: a URL's host is judged once, not on every POST. */
const literalVerdicts = new WeakMap<DestinationPolicy, Map<string, boolean>>();
/** Enough for every literal address a hub's partners use; past it the memo starts again. */
const maxLiteralVerdicts = 1000;

/** Whether the policy allows a host written as an address; a name is for the lookup to judge. */
function literalAddressAllowed(host: string, policy: DestinationPolicy): boolean {
  let verdicts = literalVerdicts.get(policy);
  if (!verdicts) {
    verdicts = new Map();
    literalVerdicts.set(policy, verdicts);
  }
  let allowed = verdicts.get(host);
  if (allowed === undefined) {
    allowed = !isIP(host) || isAllowedAddress(host, policy);
    if (verdicts.size >= maxLiteralVerdicts) verdicts.clear();
    verdicts.set(host, allowed);
  }
  return allowed;
}

function send(
  url: ParsedTarget,
  body: string,
  headers: Record<string, string>,
  policy: DestinationPolicy,
  deadline: number,
  started: number,
  mayRetry: boolean,
): Promise<SendResult> {
  const latencyMs = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const agents = agentsOf(policy);
    const secure = url.secure;
    const client = secure ? https : http;
    // Copied and then set, not spread into a literal with more keys: that cost V8 about 5 µs a
    // request, as much as both signatures.
    const requestHeaders: Record<string, string> = Object.assign({}, headers);
    requestHeaders["content-type"] = "application/json";
    requestHeaders["content-length"] = String(Buffer.byteLength(body));
    requestHeaders["user-agent"] = "Switchboard-Webhooks/1";
    const { protocol, hostname, port, path, auth } = url.request;
    const request = client.request({
      protocol,
      hostname,
      port,
      path,
      auth,
      method: "POST",
      headers: requestHeaders,
      lookup: guardedLookup(policy),
      agent: secure ? agents.https : agents.http,
    });
    const timer = setTimeout(
      () => request.destroy(new Error(`no answer within ${Math.round(deadline - started)} ms`)),
      Math.max(0, deadline - performance.now()),
    );
    let answered = false;
    request.on("error", (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (answered) return;
      const stale = request.reusedSocket && (err.code === "ECONNRESET" || err.code === "EPIPE");
      if (stale && mayRetry && performance.now() < deadline) {
        resolve(send(url, body, headers, policy, deadline, started, false));
        return;
      }
      resolve({ kind: "failed", error: err.message, latencyMs: latencyMs() });
    });
    request.on("response", (response) => {
      answered = true;
      const chunks: Buffer[] = [];
      let kept = 0;
      let finished = false;
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const excerpt = Buffer.concat(chunks).subarray(0, responseExcerptBytes).toString("utf8");
        resolve({ kind: "answered", statusCode: response.statusCode ?? 0, excerpt, latencyMs: latencyMs() });
      };
      response.on("data", (chunk: Buffer) => {
        if (kept < responseExcerptBytes) chunks.push(chunk);
        kept += chunk.length;
        // The rest is not wanted: stop reading rather than download a large answer (the
        // connection goes with it, not back to the pool).
        if (kept >= responseExcerptBytes) {
          response.destroy();
          finish();
        }
      });
      response.on("end", finish);
      response.on("error", finish);
      response.on("close", finish);
    });
    request.end(body);
  });
}
