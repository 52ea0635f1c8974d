import { bearer, type TestHub } from "./testHub.js";

export { docExamples } from "./docExamples.js";

/** A 1×1 PNG: real bytes, so magic-byte checks see a real image. */
export const tinyPngBase64 =
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

export const partnerScopes = ["omnichannel:create", "omnichannel:read", "omnichannel:update"];

/** A partner system of one tenant, calling the service-desk API with its key. */
export async function partnerOf(hub: TestHub, slug: string, scopes: string[] = partnerScopes) {
  const credentials = await hub.createTenantWithKey(slug, scopes);
  const headers = (extra: Record<string, string> = {}) => ({
    ...bearer(credentials.key),
    "content-type": "application/json",
    ...extra,
  });
  const call = async (method: string, path: string, body?: unknown, extra: Record<string, string> = {}) => {
    const res = await hub.request(path, {
      method,
      headers: headers(extra),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // biome-ignore lint/suspicious/noExplicitAny: tests read whatever JSON the API answered and assert on it.
    const json = (text ? JSON.parse(text) : undefined) as Record<string, any>;
    return { status: res.status, headers: res.headers, body: json };
  };
  return {
    ...credentials,
    post: (path: string, body: unknown, extra?: Record<string, string>) => call("POST", path, body, extra),
    patch: (path: string, body: unknown) => call("PATCH", path, body),
    get: (path: string) => call("GET", path),
    raw: (path: string) => hub.request(path, { headers: headers() }),
  };
}

export type Partner = Awaited<ReturnType<typeof partnerOf>>;
