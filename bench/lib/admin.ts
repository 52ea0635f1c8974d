import { z } from "zod";
import type { Scope } from "../../src/auth/scopes.js";

const createdTenant = z.object({ data: z.object({ id: z.string(), slug: z.string() }) });
const createdApiKey = z.object({ data: z.object({ id: z.string(), key: z.string() }) });

/** The hub's admin API, as an operator would call it. */
export type AdminClient = Readonly<{
  createTenant(input: { slug: string; name: string }): Promise<{ id: string; slug: string }>;
  /** `tenantId` takes the tenant's id or slug. The plain key is in the answer once. */
  createApiKey(input: { tenantId: string; name: string; scopes: readonly Scope[] }): Promise<{
    id: string;
    key: string;
  }>;
  /** A user of the tenant (`PUT .../users/{userId}`), under the bank's own id. */
  saveUser(tenantId: string, userId: string, input: { name: string; role: string }): Promise<void>;
  /** The tenant's account on a channel (`PUT .../channels/{channel}`), created or replaced. */
  saveChannel(
    tenantId: string,
    channel: string,
    input: { provider: string; enabled: boolean; settings: unknown },
  ): Promise<void>;
}>;

export function adminClient(hubUrl: string, adminToken: string): AdminClient {
  async function send(
    method: "POST" | "PUT",
    path: string,
    body: unknown,
    accepted: readonly number[] = [201],
  ): Promise<unknown> {
    const response = await fetch(`${hubUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await response.text();
    if (!accepted.includes(response.status))
      throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }
  const post = (path: string, body: unknown) => send("POST", path, body);
  return {
    createTenant: async (input) => createdTenant.parse(await post("/api/admin/tenants", input)).data,
    createApiKey: async (input) => createdApiKey.parse(await post("/api/admin/api-keys", input)).data,
    saveUser: async (tenantId, userId, input) => {
      await send("PUT", `/api/admin/tenants/${tenantId}/users/${userId}`, input);
    },
    saveChannel: async (tenantId, channel, input) => {
      await send("PUT", `/api/admin/tenants/${tenantId}/channels/${channel}`, input, [200, 201]);
    },
  };
}
