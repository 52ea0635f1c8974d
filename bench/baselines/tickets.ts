import { Hono } from "hono";
import pg from "pg";
import { ticketRequestSchema } from "../../src/serviceDesk/schemas.js";
import { baselineEnv, serveUntilSignal } from "./serve.js";

/**
 * The bare twin of the hub's POST /api/omnichannel/tickets: parse the JSON, validate it with the
 * hub's own zod schema (the same object the hub's route validates with, so both sides do the same
 * validation work by construction), then ONE INSERT of its main fields as columns into a table of
 * its own, in autocommit, and answer 201. No auth, no middleware, no ORM, no transaction, no
 * customer, event or SLA rows: whatever the hub costs above this is what the tickets benchmark shows.
 */
const env = baselineEnv(process.env);
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_SIZE });

/** The hub's default ATTACHMENT_MAX_COUNT; it only bounds the attachments list, which is not sent. */
const maxAttachments = 10;
const ticketRequest = ticketRequestSchema(maxAttachments);

// The ticket's own fields as the hub's tickets table stores them, with the customer's inline.
await pool.query(`
  CREATE TABLE IF NOT EXISTS bench_baseline_tickets (
    id bigserial PRIMARY KEY,
    channel text NOT NULL,
    channel_reference_id text,
    service_type text NOT NULL,
    customer_name text NOT NULL,
    customer_email text,
    customer_phone text,
    customer_identifier text,
    branch_code text,
    title text,
    description text NOT NULL,
    priority text NOT NULL,
    category text,
    metadata jsonb NOT NULL,
    webhook_url text,
    partner_id text,
    api_version text,
    created_at timestamptz NOT NULL DEFAULT now()
  )`);

const insertTicket = `
  INSERT INTO bench_baseline_tickets (
    channel, channel_reference_id, service_type, customer_name, customer_email, customer_phone,
    customer_identifier, branch_code, title, description, priority, category, metadata, webhook_url,
    partner_id, api_version
  ) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  RETURNING id, created_at`;

const app = new Hono();

app.get("/readyz", async (c) => {
  await pool.query("SELECT 1");
  return c.json({ status: "ready" });
});

app.post("/tickets", async (c) => {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    return c.json({ success: false, error: "body is not JSON" }, 400);
  }
  const parsed = ticketRequest.safeParse(json);
  if (!parsed.success)
    return c.json({ success: false, error: "invalid body", issues: parsed.error.issues }, 400);
  const { customer, ticket, integration, ...request } = parsed.data;
  const { rows } = await pool.query<{ id: string; created_at: Date }>(insertTicket, [
    request.channel,
    request.channelReferenceId ?? null,
    request.serviceType,
    customer.name,
    customer.email ?? null,
    customer.phone ?? null,
    customer.identifier ?? null,
    customer.branchCode ?? null,
    ticket.title ?? null,
    ticket.description,
    ticket.priority ?? "MEDIUM",
    ticket.category ?? null,
    JSON.stringify(ticket.metadata ?? {}),
    integration?.webhookUrl ?? null,
    integration?.partnerId ?? null,
    integration?.apiVersion ?? null,
  ]);
  const row = rows[0];
  if (!row) throw new Error("INSERT returned no row");
  return c.json(
    { success: true, ticketId: row.id, status: "OPEN", createdAt: row.created_at.toISOString() },
    201,
  );
});

serveUntilSignal(app, env, () => pool.end());
