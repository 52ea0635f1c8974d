import http from "node:http";
import https from "node:https";
import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type TwilioResponse from "twilio/lib/http/response.js";
import type { TwilioSettings } from "../contract.js";

/** The most of an answer read: Twilio's are a few kilobytes; past this the exchange failed. */
const answerLimitBytes = 1024 * 1024;

/** A form body as twilio's own client writes it: one `key=value` per value, arrays repeated. */
function formBody(data: object): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) form.append(key, String(item));
  }
  return form.toString();
}

/**
 * The HTTP half of twilio's client (its `httpClient` option): the library builds each call (path,
 * parameters, Basic auth, User-Agent) and reads each answer, this sends it. It goes to the account's
 * apiBaseUrl instead of Twilio's origin, as the library has no base-URL option and a bank routes
 * through its egress proxy (tests: a local fake); path, query, method, headers and form body are the
 * library's own. The library's default transport (axios) cost 0.62 ms of CPU a message, a fifth of
 * a busy notification worker's; node's client over kept connections sends the same request for 0.21.
 * Redirects are not followed (twilio asks for none); the whole exchange has one deadline.
 */
class RoutedRequestClient extends twilio.RequestClient {
  /** The account's origin and path prefix, worked out once: only each call's path and body vary. */
  readonly #origin: http.RequestOptions;
  readonly #basePath: string;
  readonly #send: (options: http.RequestOptions) => http.ClientRequest;
  readonly #timeoutMs: number;

  constructor(apiBaseUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs, keepAlive: true });
    const base = new URL(apiBaseUrl);
    const secure = base.protocol === "https:";
    // Idle connections close before the 5 s servers commonly keep them, so the hub is not the one
    // writing on a socket the other end just closed.
    const agentOptions = { keepAlive: true, timeout: 4000, scheduling: "lifo" as const };
    this.#origin = {
      protocol: base.protocol,
      hostname: base.hostname.replace(/^\[|\]$/g, ""),
      port: base.port || undefined,
      agent: secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions),
    };
    this.#basePath = base.pathname.replace(/\/$/, "");
    this.#send = secure ? (options) => https.request(options) : (options) => http.request(options);
    this.#timeoutMs = timeoutMs;
  }

  override async request<TData>(
    opts: RequestClient.RequestOptions<TData>,
  ): Promise<TwilioResponse.default<TData>> {
    const headers: Record<string, string> = { ...(opts.headers as Record<string, string> | undefined) };
    if (opts.username && opts.password)
      headers.Authorization = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
    else if (opts.authStrategy) headers.Authorization = await opts.authStrategy.getAuthString();
    let body: string | undefined;
    if (opts.data !== undefined && opts.data !== null) {
      const type = headers["Content-Type"];
      if (type === "application/x-www-form-urlencoded") body = formBody(opts.data);
      else if (type === "application/json") body = JSON.stringify(opts.data);
    }
    if (body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(body));
    const called = new URL(opts.uri);
    const query = opts.params ? formBody(opts.params) : "";
    const search = [called.search.slice(1), query].filter((part) => part.length > 0).join("&");
    const path = `${this.#basePath}${called.pathname}${search ? `?${search}` : ""}`;
    return this.#exchange(opts.method.toUpperCase(), path, headers, body, opts.timeout ?? this.#timeoutMs);
  }

  #exchange<TData>(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<TwilioResponse.default<TData>> {
    return new Promise((resolve, reject) => {
      const request = this.#send({ ...this.#origin, method, path, headers });
      const deadline = setTimeout(
        () => request.destroy(new Error(`Twilio did not answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      request.on("error", (err) => {
        clearTimeout(deadline);
        reject(err);
      });
      request.on("response", (answer) => {
        const chunks: Buffer[] = [];
        let read = 0;
        answer.on("data", (chunk: Buffer) => {
          read += chunk.length;
          if (read > answerLimitBytes) request.destroy(new Error("Twilio's answer is too large"));
          else chunks.push(chunk);
        });
        answer.on("error", (err) => {
          clearTimeout(deadline);
          reject(err);
        });
        answer.on("end", () => {
          clearTimeout(deadline);
          // The library parses the text itself (JSON on success, its error format otherwise).
          resolve({
            statusCode: answer.statusCode ?? 0,
            body: Buffer.concat(chunks).toString("utf8") as TData,
            headers: answer.headers,
          } as TwilioResponse.default<TData>);
        });
      });
      request.end(body);
    });
  }
}

/** One client per account; `env: {}` keeps the library from reading TWILIO_* from the process. */
export function twilioClientFor(settings: TwilioSettings, timeoutMs: number): twilio.Twilio {
  return twilio(settings.accountSid, settings.authToken, {
    httpClient: new RoutedRequestClient(settings.apiBaseUrl, timeoutMs),
    env: {},
    autoRetry: false,
  });
}
