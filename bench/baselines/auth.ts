import { createHash } from "node:crypto";
import { Hono } from "hono";
import pg from "pg";
import { baselineEnv, serveUntilSignal } from "./serve.js";

/**
 * The bare twin of the hub's GET /api/v1/me: read the bearer token, SHA-256 it, one SELECT by hash
 * on the hub's own api_keys table, answer JSON. No middleware, no ORM, no validation library:
 * whatever the hub costs above this is what the auth benchmark shows.
 */
const env = baselineEnv(process.env);
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });

type KeyRow = {
  id: string;
  tenant_id: string;
  scopes: string[];
  revoked_at: Date | null;
  expires_at: Date | null;
};

const app = new Hono();

app.get("/readyz", async (c) => {
  await pool.query("SELECT 1");
  return c.json({ status: "ready" });
});

app.get("/me", async (c) => {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) return c.json({ error: "unauthorized" }, 401);
  const hash = createHash("sha256").update(token).digest("hex");
  const { rows } = await pool.query<KeyRow>(
    "SELECT id, tenant_id, scopes, revoked_at, expires_at FROM api_keys WHERE hash = $1",
    [hash],
  );
  const row = rows[0];
  if (!row || row.revoked_at || (row.expires_at && row.expires_at <= new Date())) {
    return c.json({ error: "unauthorized" }, 401);
  }
  return c.json({ data: { tenantId: row.tenant_id, keyId: row.id, scopes: row.scopes } });
});

serveUntilSignal(app, env, () => pool.end());
