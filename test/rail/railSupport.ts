import { expect } from "vitest";
import { bearer, type TestHub } from "../support/testHub.js";

export type Problem = { error: { code: string; message: string; fields?: Record<string, string> } };

/** A JSON call with a tenant key; answers status and parsed body. */
export async function call<T>(hub: TestHub, key: string, method: string, path: string, json?: unknown) {
  const res = await hub.request(path, {
    method,
    headers: { ...bearer(key), ...(json === undefined ? {} : { "content-type": "application/json" }) },
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Users (and their team) of a tenant, made through the admin API as an operator would. */
export async function seedUsers(hub: TestHub, tenantId: string, users: Record<string, string>) {
  const team = await hub.adminRequest(`/api/admin/tenants/${tenantId}/teams/team_credit`, {
    method: "PUT",
    json: { name: "Credit Committee" },
  });
  expect([200, 201]).toContain(team.status);
  for (const [id, name] of Object.entries(users)) {
    const res = await hub.adminRequest(`/api/admin/tenants/${tenantId}/users/${id}`, {
      method: "PUT",
      json: { name, role: "staff", teamId: "team_credit" },
    });
    expect([200, 201]).toContain(res.status);
  }
}

export const docUsers = {
  usr_manager_001: "Layla Manager",
  usr_deputy_002: "Omar Deputy",
  usr_rm_001: "Ahmed Al-Rashidi",
  usr_credit_001: "Fatima Credit",
  usr_credit_002: "Yusuf Credit",
};

const hour = 3_600_000;
export const isoIn = (hours: number) => new Date(Date.now() + hours * hour).toISOString();
