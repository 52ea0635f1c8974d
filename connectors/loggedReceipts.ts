import type { Logger } from "../src/logger.js";
import type { ReceiptSink } from "./contract.js";

/**
 * The receipt sink until the notification pipeline's deliveries table takes receipts: it logs
 * each verified receipt (channel, provider id, status; never an address or a body) and stores
 * nothing. The pipeline replaces it in src/hub.ts with its own ReceiptSink.
 */
export function loggedReceipts(logger: Logger): ReceiptSink {
  return {
    async record(tenantId, receipt) {
      logger.info(
        {
          tenantId,
          channel: receipt.channel,
          providerMessageId: receipt.providerMessageId,
          status: receipt.status,
          reason: receipt.reason,
        },
        "delivery receipt (no deliveries table yet: not stored)",
      );
    },
  };
}
