import type { PushSubscriptionStore, SenderDeps, WhatsAppWebClient } from "../../connectors/contract.js";

const noSubscriptions: PushSubscriptionStore = {
  async listForCustomer() {
    return [];
  },
  async remove() {},
};

/** SenderDeps for connector tests; each test names what its channel needs. */
export function senderDeps(overrides: Partial<SenderDeps> = {}): SenderDeps {
  return {
    publicBaseUrl: "https://hub.bank.example",
    pushSubscriptions: noSubscriptions,
    whatsappWebClient: (): WhatsAppWebClient | undefined => undefined,
    timeoutMs: 2000,
    destinations: {
      allowedNetworks: [{ address: "127.0.0.1", prefix: 32, family: "ipv4" }],
      httpsOnly: false,
    },
    ...overrides,
  };
}

/** A port nothing listens on: a connection there is refused at once. */
export async function closedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
