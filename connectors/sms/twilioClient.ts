import twilio from "twilio";
import type RequestClient from "twilio/lib/base/RequestClient.js";
import type { TwilioSettings } from "../contract.js";

/**
 * twilio's HTTP client with Twilio's origin swapped for the account's apiBaseUrl: the library has
 * no base-URL option, and a bank routes through its egress proxy (tests: a local fake). Only the
 * origin changes; path, query, method, Basic auth and form body are the library's own.
 */
class RoutedRequestClient extends twilio.RequestClient {
  readonly #base: string;

  constructor(apiBaseUrl: string, timeoutMs: number) {
    super({ timeout: timeoutMs, keepAlive: true });
    this.#base = apiBaseUrl;
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const url = new URL(opts.uri);
    return super.request<TData>({ ...opts, uri: `${this.#base}${url.pathname}${url.search}` });
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
