import { and, eq } from "drizzle-orm";
import type { Database } from "../../src/db/client.js";
import { channelAccounts, conversationTickets } from "../../src/db/schema/index.js";
import { inboundAddressOf, splitRecipient } from "./addresses.js";

/** A recipient the listener accepts: the tenant whose address it is, and the ticket token it carries. */
export type MailRecipient = { tenantId: string; replyToken?: string };

export interface RecipientDirectory {
  /** The tenant an RCPT TO belongs to; undefined: refused (550), so nothing bounces later. */
  find(address: string): Promise<MailRecipient | undefined>;
}

/**
 * Recipients from the tenants' enabled e-mail accounts: an account's inbound address (its
 * `inboundAddress`, else the address in `from`), or a ticket's reply address `<local>+<token>@<domain>`
 * of it whose token is one of that tenant's tickets. An address two tenants both claim is refused
 * rather than guessed. Accounts are read at every RCPT: a bank has one, the table a few rows per tenant.
 */
export function emailRecipients(db: Database): RecipientDirectory {
  return {
    async find(address) {
      const recipient = splitRecipient(address);
      if (!recipient) return undefined;
      const accounts = await db
        .select({ tenantId: channelAccounts.tenantId, settings: channelAccounts.settings })
        .from(channelAccounts)
        .where(and(eq(channelAccounts.channel, "email"), eq(channelAccounts.enabled, true)));
      const owners = accounts.filter((a) => inboundAddressOfStored(a.settings) === recipient.base);
      const [owner] = owners;
      if (!owner || owners.length > 1) return undefined;
      if (recipient.token === undefined) return { tenantId: owner.tenantId };
      const [ticket] = await db
        .select({ ticketId: conversationTickets.ticketId })
        .from(conversationTickets)
        .where(
          and(
            eq(conversationTickets.tenantId, owner.tenantId),
            eq(conversationTickets.replyToken, recipient.token),
          ),
        );
      return ticket ? { tenantId: owner.tenantId, replyToken: recipient.token } : undefined;
    },
  };
}

/** An account's inbound address from its stored (not secret) settings. */
function inboundAddressOfStored(settings: Record<string, unknown>): string | undefined {
  const { from, inboundAddress } = settings;
  if (typeof from !== "string") return undefined;
  return inboundAddressOf({ from, ...(typeof inboundAddress === "string" ? { inboundAddress } : {}) });
}
