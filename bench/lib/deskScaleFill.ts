import { sql } from "drizzle-orm";
import type { DatabaseHandle } from "../../src/db/client.js";
import { rowsOf } from "../../src/db/client.js";
import { throwIfInterrupted } from "./interrupted.js";
import { progress } from "./log.js";

/** One desk tenant as the fill left it: what the reads name. */
export type DeskTenant = Readonly<{
  slug: string;
  id: string;
  tickets: number;
  /** A customer with tickets spread over the tenant's history. */
  customerId: string;
  /** The newest ticket, with `busyComments` comments. */
  busyTicketNumber: string;
  /** A ticket of an ordinary size, for the partner's detail. */
  plainTicketNumber: string;
  /** A reference that one ticket's title carries, for a search that matches one row. */
  rareTitleTerm: string;
}>;

export const agents = 50;
export const busyComments = 5_000;
/** Arrival rate of a mid-size bank (issue 15): about a thousand tickets a day. */
const secondsPerTicket = 86.4;
const chunk = 200_000;

/** [value, weight] pairs as a CASE over one uniform random column: a weighted pick per row. */
function weighted(column: string, choices: ReadonlyArray<readonly [string, number]>): string {
  const total = choices.reduce((sum, [, w]) => sum + w, 0);
  let at = 0;
  const arms = choices.map(([value, weight]) => {
    at += weight / total;
    return `WHEN ${column} < ${at.toFixed(6)} THEN '${value}'`;
  });
  return `CASE ${arms.slice(0, -1).join(" ")} ELSE '${choices.at(-1)?.[0]}' END`;
}

const channels = weighted("r_channel", [
  ["WHATSAPP", 35],
  ["EMAIL", 20],
  ["WEB_PORTAL", 20],
  ["PHONE", 15],
  ["TELEGRAM", 10],
]);
const priorities = weighted("r_priority", [
  ["LOW", 25],
  ["MEDIUM", 45],
  ["HIGH", 22],
  ["CRITICAL", 8],
]);
const serviceTypes = weighted("r_service", [
  ["CARD_ISSUE", 18],
  ["MOBILE_BANKING", 15],
  ["INQUIRY", 15],
  ["ATM_ISSUE", 12],
  ["CLAIM", 12],
  ["INTERNET_BANKING", 8],
  ["COMPLAINT", 8],
  ["ACCOUNT_ISSUE", 7],
  ["TECHNICAL_SUPPORT", 5],
]);
// Mostly closed: the last two days are busy, the last month half done, older tickets nearly all closed.
const statusFresh = weighted("r_status", [
  ["OPEN", 45],
  ["IN_PROGRESS", 30],
  ["PENDING", 10],
  ["ON_HOLD", 5],
  ["RESOLVED", 10],
]);
const statusMonth = weighted("r_status", [
  ["OPEN", 1],
  ["IN_PROGRESS", 3],
  ["PENDING", 2],
  ["ON_HOLD", 1],
  ["RESOLVED", 13],
  ["CLOSED", 75],
  ["CANCELLED", 5],
]);
const statusOld = weighted("r_status", [
  ["OPEN", 0.3],
  ["IN_PROGRESS", 0.3],
  ["PENDING", 0.2],
  ["ON_HOLD", 0.2],
  ["RESOLVED", 1],
  ["CLOSED", 93],
  ["CANCELLED", 5],
]);

/** The catalogue's default team of each service type, and the team record agents assign. */
const teams = [
  ["team_cards", "Card Operations Team", ["CARD_ISSUE"]],
  ["team_atm", "ATM Operations Team", ["ATM_ISSUE"]],
  ["team_claims", "Claims Team", ["CLAIM"]],
  ["team_it", "IT Support Team", ["MOBILE_BANKING", "INTERNET_BANKING", "TECHNICAL_SUPPORT"]],
  ["team_care", "Customer Care Team", ["INQUIRY", "COMPLAINT", "ACCOUNT_ISSUE"]],
] as const;
const teamOf = (part: "id" | "name") =>
  `CASE ${teams
    .map(
      ([id, name, services]) =>
        `WHEN service_type IN (${services.map((s) => `'${s}'`).join(", ")}) THEN '${part === "id" ? id : name}'`,
    )
    .join(" ")} END`;

// Titles as customers and agents write them, in Indonesian and English; %c a city, %b a bank.
const titles = [
  "Kartu ATM tertelan di mesin ATM %c",
  "Transfer ke %b gagal tapi saldo terpotong",
  "Tidak bisa login mobile banking",
  "Saldo terpotong dua kali saat bayar QRIS di %c",
  "Permintaan cetak rekening koran",
  "Kartu debit terblokir setelah salah PIN",
  "Dana refund belum masuk ke rekening",
  "OTP tidak diterima saat transfer",
  "Pengajuan keberatan transaksi kartu kredit",
  "ATM %c tidak mengeluarkan uang",
  "Card blocked after three wrong PIN attempts",
  "Cannot log in to internet banking",
  "Transfer to %b pending for two days",
  "Double charge on card payment in %c",
  "Request for account statement",
  "Mobile app crashes on the transfer screen",
  "ATM in %c did not dispense cash",
  "Dispute a card transaction",
  "Change of registered phone number",
  "Virtual account payment not received",
];
const cities = [
  "Jakarta",
  "Surabaya",
  "Bandung",
  "Medan",
  "Semarang",
  "Makassar",
  "Palembang",
  "Denpasar",
  "Yogyakarta",
  "Balikpapan",
  "Malang",
  "Padang",
  "Pontianak",
  "Manado",
  "Batam",
];
const banks = ["BCA", "Mandiri", "BNI", "BRI", "CIMB Niaga", "Danamon", "Permata", "BSI"];
const sqlArray = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v}'`).join(", ")}]`;

/** Agent n's id and name, as the fill writes them and the reads name them. */
export const agentId = (n: number) => `usr_agent_${String(n).padStart(3, "0")}`;
const firstNames = ["Rina", "Budi", "Siti", "Agus", "Dewi", "Joko", "Ayu", "Hendra", "Putri", "Wahyu"];
const lastNames = ["Santoso", "Wijaya", "Lestari", "Pratama", "Hidayat"];
const personName = (n: number) =>
  `${firstNames[n % firstNames.length]} ${lastNames[Math.floor(n / firstNames.length) % lastNames.length]}`;

/** The tenant's agents and teams, as the admin API would have saved them. */
async function staff(handle: DatabaseHandle, tenantId: string): Promise<void> {
  for (const [id, name] of teams) {
    await handle.db.execute(
      sql`INSERT INTO teams (tenant_id, id, name) VALUES (${tenantId}, ${id}, ${name}) ON CONFLICT DO NOTHING`,
    );
  }
  for (let n = 1; n <= agents; n++) {
    await handle.db.execute(sql`INSERT INTO users (tenant_id, id, name, role, team_id)
      VALUES (${tenantId}, ${agentId(n)}, ${`${personName(n)} ${n}`}, 'agent', ${teams[n % teams.length]?.[0] ?? null})
      ON CONFLICT DO NOTHING`);
  }
}

/**
 * The tickets aged [from, to] (1 = the newest), oldest first so that numbers rise with time, in one
 * `INSERT ... SELECT` from generate_series with every index and trigger of the table in place.
 */
function ticketChunk(tenantId: string, tag: number, customers: number, from: number, to: number) {
  const agentNames = Array.from({ length: agents }, (_, i) => `${personName(i + 1)} ${i + 1}`);
  return sql.raw(`
    INSERT INTO tickets (id, tenant_id, channel, service_type, category, priority, status, title, description,
      customer_id, assigned_to, assigned_team, assigned_user_id, assigned_team_id, metadata,
      created_at, updated_at, first_response_at, resolved_at, closed_at,
      response_due_at, resolution_due_at, sla_paused, response_breached_at, resolution_breached_at)
    SELECT id, '${tenantId}', channel, service_type, 'INCIDENT', priority, status, title,
      'Nasabah melaporkan: ' || title || '. Customer reports: ' || title, customer_id,
      CASE WHEN agent IS NULL THEN NULL ELSE (${sqlArray(agentNames)})[agent] END,
      ${teamOf("name")},
      CASE WHEN agent IS NULL THEN NULL ELSE 'usr_agent_' || lpad(agent::text, 3, '0') END,
      CASE WHEN agent IS NULL THEN NULL ELSE ${teamOf("id")} END,
      '{}'::jsonb, at, at + interval '5 minutes',
      CASE WHEN status <> 'OPEN' THEN at + r_reply * interval '6 hours' END,
      CASE WHEN status IN ('RESOLVED', 'CLOSED') THEN at + interval '20 hours' END,
      CASE WHEN status IN ('CLOSED', 'CANCELLED') THEN at + interval '30 hours' END,
      at + interval '4 hours', at + interval '48 hours', status IN ('PENDING', 'ON_HOLD'),
      -- Marked as the scan marks them: an open ticket past its deadline, and some of the finished.
      CASE WHEN (status = 'OPEN' AND at < now() - interval '4 hours') OR (final AND r_breach < 0.03)
        THEN at + interval '4 hours' END,
      CASE WHEN (NOT final AND NOT status IN ('PENDING', 'ON_HOLD') AND at < now() - interval '48 hours')
          OR (final AND r_breach < 0.06)
        THEN at + interval '48 hours' END
    FROM (
      SELECT *, status IN ('RESOLVED', 'CLOSED', 'CANCELLED') AS final,
        CASE WHEN status = 'OPEN' AND r_assign > 0.4 THEN NULL ELSE 1 + floor(r_agent * ${agents})::int END AS agent
      FROM (
        SELECT *, CASE WHEN at > now() - interval '2 days' THEN ${statusFresh}
          WHEN at > now() - interval '30 days' THEN ${statusMonth} ELSE ${statusOld} END AS status,
          ${channels} AS channel, ${priorities} AS priority, ${serviceTypes} AS service_type,
          replace(replace(((${sqlArray(titles)})[1 + floor(r_title * ${titles.length})::int]),
              '%c', (${sqlArray(cities)})[1 + floor(r_city * ${cities.length})::int]),
            '%b', (${sqlArray(banks)})[1 + floor(r_city * ${banks.length})::int])
            || CASE WHEN r_ref < 0.3 THEN ' ref ' || (1000000 + g * 7 + ${tag}) ELSE '' END AS title
        FROM (
          SELECT g, format('tkt_%s', lpad(to_hex(${tag}::bigint << 40 | g), 32, '0')) AS id,
            now() - g * interval '${secondsPerTicket} seconds' AS at,
            format('cus_%s', lpad(to_hex(${tag}::bigint << 40 | (g::bigint * 7919) % ${customers}), 32, '0')) AS customer_id,
            random() AS r_status, random() AS r_channel, random() AS r_priority, random() AS r_service,
            random() AS r_title, random() AS r_city, random() AS r_ref, random() AS r_agent,
            random() AS r_assign, random() AS r_reply, random() AS r_breach
          FROM generate_series(${to}, ${from}, -1) g
        ) raw
      ) picked
    ) t
    ORDER BY g DESC`);
}

/**
 * Fills the tenant with `tickets` tickets spread over the years a thousand a day make, `tickets / 10`
 * customers (each with about ten tickets over that time), 50 agents and 5 teams, and `busyComments`
 * comments on its newest ticket. Statuses are mostly closed, older tickets more so; 5 channels,
 * 4 priorities, 9 service types, titles in Indonesian and English (30 % carry a reference number),
 * a few per cent of finished tickets breached and every overdue open ticket marked as the SLA scan
 * would have.
 */
export async function fillDeskTenant(
  handle: DatabaseHandle,
  tenant: { id: string; slug: string },
  tag: number,
  tickets: number,
  signal: AbortSignal,
): Promise<DeskTenant> {
  const customers = Math.max(100, Math.floor(tickets / 10));
  await staff(handle, tenant.id);
  await handle.db.execute(
    sql.raw(`INSERT INTO customers (id, tenant_id, name, email, identifier, created_at, updated_at)
      SELECT format('cus_%s', lpad(to_hex(${tag}::bigint << 40 | c), 32, '0')), '${tenant.id}',
        (${sqlArray(firstNames)})[1 + c % ${firstNames.length}] || ' ' || (${sqlArray(lastNames)})[1 + (c / 10) % ${lastNames.length}],
        'nasabah' || c || '@example.co.id', 'CIF' || lpad(c::text, 9, '0'), now() - interval '4 years', now()
      FROM generate_series(0, ${customers - 1}) c`),
  );
  for (let to = tickets; to >= 1; to -= chunk) {
    throwIfInterrupted(signal);
    const from = Math.max(1, to - chunk + 1);
    await handle.db.execute(ticketChunk(tenant.id, tag, customers, from, to));
    progress(`${tenant.slug}: ${tickets - from + 1} of ${tickets} tickets written`);
  }
  const one = async <T>(query: ReturnType<typeof sql>) => {
    const [row] = rowsOf<T>(await handle.db.execute(query));
    if (!row) throw new Error(`${tenant.slug}: the fill left nothing to read`);
    return row;
  };
  const busy = await one<{ id: string; number: string }>(
    sql`SELECT id, number::text AS number FROM tickets WHERE tenant_id = ${tenant.id} ORDER BY created_at DESC, id DESC LIMIT 1`,
  );
  await handle.db.execute(sql`INSERT INTO ticket_comments (id, tenant_id, ticket_id, content, author_name,
      author_user_id, author_type, is_from_support, is_internal, created_at)
    SELECT format('cmt_%s', lpad(to_hex(${tag}::bigint << 40 | c), 32, '0')), ${tenant.id}, ${busy.id},
      'Balasan ke-' || c || ': kami sedang memeriksa transaksi Anda. / We are checking your transaction.',
      CASE WHEN c % 2 = 0 THEN 'Rina Santoso 1' ELSE 'Nasabah' END,
      CASE WHEN c % 2 = 0 THEN 'usr_agent_001' END, CASE WHEN c % 2 = 0 THEN 'agent' ELSE 'customer' END,
      c % 2 = 0, c % 10 = 0, now() - (${busyComments} - c) * interval '1 second'
    FROM generate_series(1, ${busyComments}) c`);
  const plain = await one<{ number: string }>(
    sql`SELECT number::text AS number FROM tickets WHERE tenant_id = ${tenant.id} ORDER BY created_at DESC, id DESC OFFSET 1 LIMIT 1`,
  );
  const customer = await one<{ customer_id: string }>(
    sql`SELECT customer_id FROM tickets WHERE tenant_id = ${tenant.id} ORDER BY created_at DESC, id DESC OFFSET 2 LIMIT 1`,
  );
  const rare = await one<{ title: string }>(
    sql`SELECT title FROM tickets WHERE tenant_id = ${tenant.id} AND title LIKE '% ref %'
      ORDER BY created_at LIMIT 1 OFFSET ${Math.floor(tickets / 20)}`,
  );
  return {
    slug: tenant.slug,
    id: tenant.id,
    tickets,
    customerId: customer.customer_id,
    busyTicketNumber: busy.number,
    plainTicketNumber: plain.number,
    rareTitleTerm: rare.title.replace(/^.* ref /, ""),
  };
}
