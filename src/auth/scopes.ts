/**
 * The closed list of scopes an API key can carry. Service-desk partners use the omnichannel:*
 * scopes their document names; the Rail and SCT07 families use the others; `admin` lets a
 * tenant manage its own keys.
 */
export const scopes = [
  "omnichannel:create",
  "omnichannel:read",
  "omnichannel:update",
  "omni:read",
  "omni:write",
  "customers:read",
  "customers:write",
  "sessions:read",
  "sessions:write",
  "analytics:read",
  "desk:read",
  "desk:write",
  "webhooks:read",
  "webhooks:write",
  "admin",
] as const;

export type Scope = (typeof scopes)[number];

export function isScope(value: string): value is Scope {
  return (scopes as readonly string[]).includes(value);
}
