import autocannon from "autocannon";
import { Interrupted, throwIfInterrupted } from "./interrupted.js";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/**
 * A body for each request in turn, for a workload whose requests differ (a new customer on every
 * one). Each call answers the next; the runner's own CPU builds them, for both sides alike.
 */
export type BodySequence = () => string;

/** One request, repeated by every connection for the whole run; a sequence gives each its own body. */
export type LoadRequest = Readonly<{
  path: string;
  method?: HttpMethod;
  headers?: Readonly<Record<string, string>>;
  body?: string | BodySequence;
}>;

export type LoadResult = Readonly<{
  requestsPerSecond: number;
  latencyMs: Readonly<{ p50: number; p97_5: number; p99: number }>;
  requests: number;
  /** Requests written to a socket, answered or not (a run's end cuts off those in flight). */
  sent: number;
  /** Answers with a 2xx status. */
  answered2xx: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
  /** Answers by status code, for the failure message when something was not 2xx. */
  statusCounts: Readonly<Record<string, number>>;
}>;

export type LoadShape = Readonly<{ connections: number; durationS: number; signal: AbortSignal }>;

/** Load goes to this machine only: never to a shared or production host by a mistyped URL. */
function assertLoopback(url: URL): void {
  if (url.hostname !== "127.0.0.1") throw new Error(`refusing to send load to ${url.host}: 127.0.0.1 only`);
}

/** Sends one request first and throws with the answer unless it is 2xx: a wrong key fails here, clearly. */
export async function probe(baseUrl: string, request: LoadRequest): Promise<void> {
  const url = new URL(request.path, baseUrl);
  assertLoopback(url);
  const response = await fetch(url, {
    method: request.method ?? "GET",
    headers: request.headers ?? {},
    body: (typeof request.body === "function" ? request.body() : request.body) ?? null,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${request.method ?? "GET"} ${url} answered ${response.status}: ${text.slice(0, 500)}`);
  }
}

/** Runs autocannon for `durationS` seconds; Ctrl-C (the signal) stops it early and rejects. */
export async function runLoad(baseUrl: string, request: LoadRequest, shape: LoadShape): Promise<LoadResult> {
  const url = new URL(request.path, baseUrl);
  assertLoopback(url);
  // An abort listener added to a signal that is already aborted never fires.
  throwIfInterrupted(shape.signal);
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.toString(),
        method: request.method ?? "GET",
        headers: { ...request.headers },
        ...bodyOptions(request.body),
        connections: shape.connections,
        duration: shape.durationS,
        timeout: 10,
      },
      (err: unknown, result: autocannon.Result) => {
        shape.signal.removeEventListener("abort", stop);
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        if (shape.signal.aborted) return reject(new Interrupted());
        resolve(summarise(result));
      },
    );
    const stop = () => instance.stop();
    shape.signal.addEventListener("abort", stop, { once: true });
  });
}

/** A fixed body as it is; a sequence through autocannon's per-request hook. */
function bodyOptions(body: LoadRequest["body"]): Partial<autocannon.Options> {
  if (body === undefined) return {};
  if (typeof body === "string") return { body };
  return { requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }] };
}

function summarise(result: autocannon.Result): LoadResult {
  const statusCounts = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, stats]) => [status, stats.count ?? 0]),
  );
  return {
    requestsPerSecond: result.requests.average,
    latencyMs: { p50: result.latency.p50, p97_5: result.latency.p97_5, p99: result.latency.p99 },
    requests: result.requests.total,
    sent: result.requests.sent,
    answered2xx: result["2xx"],
    errors: result.errors,
    non2xx: result.non2xx,
    statusCounts,
  };
}

/** Why a load run's figures are not to be trusted, or nothing when every answer was a 2xx. */
export function loadFailures(side: string, result: LoadResult): string[] {
  const failures: string[] = [];
  if (result.non2xx > 0) {
    const byStatus = Object.entries(result.statusCounts)
      .filter(([status]) => !status.startsWith("2"))
      .map(([status, count]) => `${status}: ${count}`)
      .join(", ");
    failures.push(`${side}: ${result.non2xx} of ${result.requests} answers were not 2xx (${byStatus})`);
  }
  if (result.errors > 0) failures.push(`${side}: ${result.errors} socket errors or timeouts`);
  if (result.requests === 0) failures.push(`${side}: no request completed`);
  return failures;
}
