import type { DeliveryReceipt, ReceiptSink } from "../../../connectors/contract.js";

/**
 * A ReceiptSink that keeps what it is given, for tests of the routes that produce receipts (the
 * pipeline's real sink, on its deliveries table, is tested with the pipeline).
 */
export function recordingReceipts(): ReceiptSink & {
  recorded: Array<{ tenantId: string; receipt: DeliveryReceipt }>;
} {
  const recorded: Array<{ tenantId: string; receipt: DeliveryReceipt }> = [];
  return {
    recorded,
    async record(tenantId, receipt) {
      recorded.push({ tenantId, receipt });
    },
  };
}
