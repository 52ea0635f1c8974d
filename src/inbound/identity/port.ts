import type { Tx } from "../../db/client.js";
import type { InboundChannel } from "../message.js";

/** Who wrote: the sender's address on a channel and the name the channel shows. */
export type ChannelContact = { channel: InboundChannel; address: string; displayName?: string | undefined };

/**
 * The router's one way to the customers module: the tenant's customer a channel address names, or a
 * new customer with that address when nobody has it (its customer.created event written in the same
 * transaction). One port, so that the customers module's matching rule is the only one the router
 * follows, and changing how customers are matched changes one implementation, not the router.
 */
export interface CustomerDirectory {
  resolve(tx: Tx, tenantId: string, contact: ChannelContact, now: Date): Promise<ResolvedCustomer>;
  /**
   * resolve for many contacts in one transaction (the router's batch of new threads), answered in
   * the contacts' order: the known ones by one read, the new ones created together in one statement (no savepoint).
   * A first contact that a concurrent one of the same person wins fails the transaction, for the
   * caller to route the single way (where resolve meets the winner).
   */
  resolveAll(
    tx: Tx,
    contacts: ReadonlyArray<ChannelContact & { tenantId: string }>,
    now: Date,
  ): Promise<ResolvedCustomer[]>;
}

/** The customer, whether this call created them, and their name as the customer record has it. */
export type ResolvedCustomer = { customerId: string; created: boolean; name: string };
