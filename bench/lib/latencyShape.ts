import { percentile } from "./units.js";

/**
 * How a round's latencies are shaped, for reading a p99 that disappoints: the tail's percentiles,
 * when the commits ended and the last receipt came, and the p99 the same receipt times would have
 * given had they reached the events in commit order ("FIFO p99"). A p99 well over its FIFO p99
 * means some deliveries were starved (taken late); one close to it means the tail is the backlog.
 */
export function latencyShape(
  ids: readonly string[],
  committedAt: ReadonlyMap<string, number>,
  arrivals: ReadonlyMap<string, number>,
  started: number,
): string {
  const rows: { committed: number; latency: number }[] = [];
  const receipts: number[] = [];
  for (const id of ids) {
    const at = arrivals.get(id);
    const committed = committedAt.get(id);
    if (at === undefined || committed === undefined) continue;
    rows.push({ committed, latency: at - committed });
    receipts.push(at);
  }
  if (rows.length === 0) return "no receipts";
  receipts.sort((a, b) => a - b);
  // ids are committed in order, so rows are already in commit order.
  const fifo = rows.map((row, i) => (receipts[i] as number) - row.committed);
  const latencies = rows.map((row) => row.latency);
  const p99 = percentile(latencies, 99);
  const tail = rows.filter((row) => row.latency >= p99).map((row) => row.committed - started);
  const commitsEnd = (rows[rows.length - 1] as { committed: number }).committed - started;
  const lastReceipt = (receipts[receipts.length - 1] as number) - started;
  const byCommitsEnd = receipts.filter((at) => at - started <= commitsEnd).length;
  const f = (n: number) => n.toFixed(0);
  const perSec = (count: number, ms: number) => f((count / Math.max(1, ms)) * 1000);
  return (
    `p50 ${f(percentile(latencies, 50))} p90 ${f(percentile(latencies, 90))} p99 ${f(p99)} ` +
    `max ${f(Math.max(...latencies))} ms; FIFO p99 ${f(percentile(fifo, 99))}; ` +
    `commits end ${f(commitsEnd)} ms (${byCommitsEnd} received, ${perSec(byCommitsEnd, commitsEnd)}/s), ` +
    `last receipt ${f(lastReceipt)} ms (${perSec(receipts.length - byCommitsEnd, lastReceipt - commitsEnd)}/s after); ` +
    `p99 tail committed at ${f(Math.min(...tail))}-${f(Math.max(...tail))} ms (median ${f(percentile(tail, 50))})`
  );
}
