import type { errorStatus } from "../errors.js";
import { type ApiFamily, serviceDeskErrorSchema, v1ErrorSchema } from "./errorFormats.js";

const descriptions: Record<number, string> = {
  400: "Invalid request: malformed JSON or a field that does not fit (named in the body)",
  401: "Missing or invalid credentials",
  403: "The key lacks a required scope (named in the body)",
  404: "Not found",
  409: "Conflict with the current state",
  410: "No longer available (expired)",
  413: "Request body too large",
  415: "Unsupported Content-Encoding",
  422: "Well-formed, but does not fit what it refers to (named in the body)",
  426: "A WebSocket route asked for without the WebSocket upgrade",
  429: "Rate limit exceeded; see Retry-After",
  503: "A dependency or a required setting is unavailable (named in the body)",
};

type ErrorStatus = (typeof errorStatus)[keyof typeof errorStatus];

/** The documented error responses of a route, in its API family's error shape. */
export function errorResponses<const S extends readonly ErrorStatus[]>(family: ApiFamily, statuses: S) {
  const schema = family === "serviceDesk" ? serviceDeskErrorSchema : v1ErrorSchema;
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: descriptions[s] ?? "Error", content: { "application/json": { schema } } },
    ]),
  ) as {
    [K in S[number]]: { description: string; content: { "application/json": { schema: typeof schema } } };
  };
}

type SecurityRequirement = Record<string, string[]>;

/** A tenant API key, as a Bearer token or in X-API-Key. */
export const apiKeySecurity: SecurityRequirement[] = [{ apiKey: [] }, { apiKeyHeader: [] }];
export const adminSecurity: SecurityRequirement[] = [{ adminToken: [] }];

/** `content` of a JSON request or response body. */
export function json<T>(schema: T) {
  return { "application/json": { schema } };
}
