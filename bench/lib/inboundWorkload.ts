import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import twilio from "twilio";
import type { PostAnswer } from "./httpPost.js";
import { throwIfInterrupted } from "./interrupted.js";
import type { WorkRound } from "./rounds.js";
import { runUnits } from "./units.js";

/** A round's customers: every other one writes on Telegram, the rest by SMS. */
export const customersPerRound = 2000;

/** A bank's customers write like this: questions and complaints, none of them a claim dialogue. */
const texts = [
  "Halo, saya tidak bisa login ke aplikasi mobile banking sejak pagi",
  "Mohon bantuannya, kartu debit saya tertelan di mesin ATM cabang Sudirman",
  "Hello, how do I raise my daily transfer limit?",
  "Notifikasi transaksi tidak masuk ke HP saya",
  "Terima kasih, saya tunggu kabarnya",
  "Is there any update on my request?",
  "Saya sudah coba reset password tapi OTP tidak datang",
  "Apakah bisa dibantu hari ini?",
];

export type InboundCustomer = Readonly<
  { channel: "telegram"; chatId: number; known: boolean } | { channel: "sms"; phone: string; known: boolean }
>;

/**
 * The round's customers. Half of each channel are known to the bank already (an identity on file:
 * returning customers), the rest write for the first time and become customers on their first
 * message.
 */
export function inboundCustomers(round: number): InboundCustomer[] {
  return Array.from({ length: customersPerRound }, (_, c) => {
    const known = c % 4 < 2;
    return c % 2 === 0
      ? { channel: "telegram", chatId: 700_000_000 + round * 100_000 + c, known }
      : {
          channel: "sms",
          phone: `+62813${String(round).padStart(2, "0")}${String(c).padStart(6, "0")}`,
          known,
        };
  });
}

/** Writes the known customers with their identity, as SCT07 or the desk would have made them. */
export async function seedKnownCustomers(
  databaseUrl: string,
  tenantId: string,
  customers: readonly InboundCustomer[],
): Promise<void> {
  const known = customers.filter((c) => c.known);
  const ids = known.map(
    (_, i) => `cus_${createHash("sha256").update(`${tenantId}/${i}`).digest("hex").slice(0, 32)}`,
  );
  const kinds = known.map((c) => (c.channel === "telegram" ? "telegram" : "phone"));
  const values = known.map((c) => (c.channel === "telegram" ? String(c.chatId) : c.phone));
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `WITH c AS (
         INSERT INTO customers (id, tenant_id, name, phone, preferred_language)
         SELECT id, $1, 'Nasabah Bench', CASE WHEN kind = 'phone' THEN value END, 'id-ID'
         FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, kind, value)
         RETURNING id
       )
       INSERT INTO customer_identities (id, tenant_id, customer_id, kind, value, verified)
       SELECT 'idn_' || substr(md5(id), 1, 32), $1, id, kind, value, true
       FROM unnest($2::text[], $3::text[], $4::text[]) AS t(id, kind, value)`,
      [tenantId, ids, kinds, values],
    );
  } finally {
    await client.end();
  }
}

/** How the runner reaches one side: one POST per message, the side's own wire format. */
export type InboundPost = (message: {
  index: number;
  customer: InboundCustomer;
  sequence: number;
  text: string;
}) => Promise<PostAnswer>;

/**
 * Posts `count` messages, `concurrency` in flight: message i comes from customer i mod 2,000, so
 * every customer's first message arrives early in the round and their later ones keep coming
 * while the earlier ones are routed, as a busy day's traffic does.
 */
async function postMessages(options: {
  customers: readonly InboundCustomer[];
  count: number;
  concurrency: number;
  signal: AbortSignal;
  post: InboundPost;
}): Promise<{ failures: readonly string[]; refused: number; elapsedMs: number }> {
  const { customers } = options;
  let refused = 0;
  const result = await runUnits(
    ["post"],
    options.count,
    options.concurrency,
    options.signal,
    async (index) => {
      const customer = customers[index % customers.length] as InboundCustomer;
      const sequence = Math.floor(index / customers.length);
      const text = `${texts[(index + sequence) % texts.length]} (#${sequence + 1})`;
      const failure = await options.post({ index, customer, sequence, text }).then(
        async (res) =>
          res.status === 200 ? undefined : `message ${index}: ${res.status} ${res.text.slice(0, 200)}`,
        (err: unknown) => `message ${index}: ${String(err)}`,
      );
      if (failure) refused++;
      return failure;
    },
  );
  return { failures: result.failures, refused, elapsedMs: result.elapsedMs };
}

export const telegramSecret = "bench-telegram-secret-token-0123456789";

/** A Telegram update as the Bot API posts it to a webhook. */
export function telegramUpdate(round: number, index: number, chatId: number, sequence: number, text: string) {
  return {
    update_id: round * 1_000_000 + index,
    message: {
      message_id: sequence + 1,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: "Nasabah" },
      from: { id: chatId, is_bot: false, first_name: "Nasabah", language_code: "id" },
      text,
    },
  };
}

/** An incoming SMS as Twilio posts it: form fields and the signature over the URL it was given. */
export function twilioIncoming(options: {
  authToken: string;
  signedUrl: string;
  accountSid: string;
  to: string;
  from: string;
  sid: string;
  text: string;
}) {
  const params = {
    MessageSid: options.sid,
    SmsSid: options.sid,
    AccountSid: options.accountSid,
    From: options.from,
    To: options.to,
    Body: options.text,
    NumMedia: "0",
  };
  return {
    body: new URLSearchParams(params).toString(),
    signature: twilio.getExpectedTwilioSignature(options.authToken, options.signedUrl, params),
  };
}

/**
 * One side's round: posts the messages, waits for them to finish, and reads the figures from the
 * database's clock (`finished` answers one row per finished message, with its `stored` and `done`
 * times): first message stored to last one done, and each message's stored-to-done time. Refused
 * posts and messages that never finish are the round's failures.
 */
export async function measureRound(options: {
  side: string;
  round: number;
  customers: readonly InboundCustomer[];
  count: number;
  concurrency: number;
  signal: AbortSignal;
  post: InboundPost;
  databaseUrl: string;
  finished: { text: string; values: unknown[] };
}): Promise<WorkRound> {
  const posted = await postMessages(options);
  const collected = await collectRound({ ...options, expected: options.count - posted.refused });
  const failures = [...posted.failures];
  if (posted.refused > 0)
    failures.push(`${options.side} round ${options.round}: ${posted.refused} posts refused`);
  if (collected.missing > 0)
    failures.push(`${options.side} round ${options.round}: ${collected.missing} messages not finished`);
  return {
    perSecond: (collected.messages / collected.elapsedMs) * 1000,
    latenciesMs: collected.latenciesMs,
    failures,
  };
}

async function collectRound(options: {
  databaseUrl: string;
  expected: number;
  finished: { text: string; values: unknown[] };
  signal: AbortSignal;
  timeoutMs?: number;
}): Promise<{ messages: number; elapsedMs: number; latenciesMs: number[]; missing: number }> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  await client.connect();
  try {
    const count = async () =>
      Number(
        (
          await client.query<{ n: string }>(
            `SELECT count(*) AS n FROM (${options.finished.text}) f`,
            options.finished.values,
          )
        ).rows[0]?.n ?? 0,
      );
    const deadline = Date.now() + (options.timeoutMs ?? 15 * 60_000);
    let done = await count();
    while (done < options.expected && Date.now() < deadline) {
      throwIfInterrupted(options.signal);
      await sleep(100);
      done = await count();
    }
    const { rows } = await client.query<{ stored: Date; done: Date }>(
      options.finished.text,
      options.finished.values,
    );
    const first = Math.min(...rows.map((r) => r.stored.getTime()));
    const last = Math.max(...rows.map((r) => r.done.getTime()));
    return {
      messages: rows.length,
      elapsedMs: last - first,
      latenciesMs: rows.map((r) => r.done.getTime() - r.stored.getTime()),
      missing: options.expected - rows.length,
    };
  } finally {
    await client.end();
  }
}

/** What routing did with a tenant's messages, by outcome (ticket_created, comment_added, ...). */
export async function outcomeCounts(databaseUrl: string, tenantId: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ outcome: string; n: string }>(
      "SELECT outcome, count(*) AS n FROM inbound_messages WHERE tenant_id = $1 GROUP BY outcome",
      [tenantId],
    );
    return Object.fromEntries(rows.map((r) => [r.outcome, Number(r.n)]));
  } finally {
    await client.end();
  }
}
