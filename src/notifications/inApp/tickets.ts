import { createHash, randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { z } from "zod";
import type { RecipientType } from "../vocabulary.js";

/** How long a ticket may wait before the browser opens its socket with it. */
export const liveTicketTtlMs = 60_000;

export type LiveRecipient = { tenantId: string; recipientType: RecipientType; recipientId: string };

const stored = z.object({
  tenantId: z.string(),
  recipientType: z.enum(["customer", "user"]),
  recipientId: z.string(),
});

const keyOf = (redisPrefix: string, ticket: string) =>
  `${redisPrefix}:live-ticket:${createHash("sha256").update(ticket).digest("hex")}`;

/**
 * A browser never holds the tenant's API key: the bank's backend, which has authenticated its
 * customer, mints a ticket for that customer with its key, and hands it to the browser. The ticket
 * is 256 random bits, kept in Redis only as its SHA-256, valid for 60 seconds and for one socket.
 */
export async function mintLiveTicket(
  redis: Redis,
  redisPrefix: string,
  recipient: LiveRecipient,
): Promise<{ ticket: string; expiresAt: Date }> {
  const ticket = randomBytes(32).toString("base64url");
  await redis.set(keyOf(redisPrefix, ticket), JSON.stringify(recipient), "PX", liveTicketTtlMs);
  return { ticket, expiresAt: new Date(Date.now() + liveTicketTtlMs) };
}

/** The recipient a ticket was minted for, consumed at once (GETDEL): a ticket opens one socket. */
export async function redeemLiveTicket(
  redis: Redis,
  redisPrefix: string,
  ticket: string,
): Promise<LiveRecipient | undefined> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return undefined;
  const value = await redis.getdel(keyOf(redisPrefix, ticket));
  if (!value) return undefined;
  const parsed = stored.safeParse(JSON.parse(value));
  return parsed.success ? parsed.data : undefined;
}
