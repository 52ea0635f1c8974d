import { setTimeout as sleep } from "node:timers/promises";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { httpPoster } from "./httpPost.js";
import { throwIfInterrupted } from "./interrupted.js";
import { progress } from "./log.js";
import { type BenchChannel, epochNow, type NotificationFakes } from "./notificationFakes.js";

export type Recipient = { id: string; email: string; phone: string };

export type RoundResult = {
  deliveries: number;
  /** First creation to last arrival at a provider. */
  elapsedMs: number;
  /** Each delivery: its creation's start to its arrival at the provider. */
  latenciesMs: number[];
  failures: string[];
};

export const deliveriesPerSecond = (r: RoundResult) => (r.deliveries / r.elapsedMs) * 1000;

/** Runs `count` creations, `concurrency` at a time; each resolves with its start time. */
async function inParallel(
  count: number,
  concurrency: number,
  signal: AbortSignal,
  create: (index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        throwIfInterrupted(signal);
        await create(next++);
      }
    }),
  );
}

const laneSpanMs = 5000;

/** Waits until every token of the round arrived on both channels (or the deadline passes). */
async function collect(
  side: "hub" | "baseline",
  fakes: NotificationFakes,
  started: Map<string, number>,
  firstAt: number,
  signal: AbortSignal,
  failures: string[],
): Promise<RoundResult> {
  const expected = started.size * 2;
  const deadline = Date.now() + 15 * 60_000;
  const arrived = () => {
    let n = 0;
    for (const token of started.keys()) n += fakes.arrivals.get(token)?.length ?? 0;
    return n;
  };
  while (arrived() < expected && Date.now() < deadline && failures.length === 0) {
    throwIfInterrupted(signal);
    await sleep(50);
  }
  const latenciesMs: number[] = [];
  // First creation to each channel's last arrival: which lane ended the round.
  const lastArrivalMs: Partial<Record<BenchChannel, number>> = {};
  // Each channel's arrivals per 5 s since the first creation: how fast each lane went, and when.
  const perSpan: Partial<Record<BenchChannel, number[]>> = {};
  let last = firstAt;
  for (const [token, at] of started) {
    for (const arrival of fakes.arrivals.get(token) ?? []) {
      latenciesMs.push(arrival.at - at);
      last = Math.max(last, arrival.at);
      lastArrivalMs[arrival.channel] = Math.max(lastArrivalMs[arrival.channel] ?? 0, arrival.at - firstAt);
      const spans = perSpan[arrival.channel] ?? [];
      perSpan[arrival.channel] = spans;
      const span = Math.floor((arrival.at - firstAt) / laneSpanMs);
      spans[span] = (spans[span] ?? 0) + 1;
    }
    fakes.arrivals.delete(token);
  }
  if (latenciesMs.length < expected)
    failures.push(`${expected - latenciesMs.length} of ${expected} deliveries never reached a provider`);
  if (latenciesMs.length > expected)
    failures.push(`${latenciesMs.length - expected} deliveries reached a provider twice`);
  const lanes = Object.entries(lastArrivalMs).map(
    ([channel, ms]) => `${channel} ${(ms / 1000).toFixed(1)} s`,
  );
  progress(`${side}: last arrival after the first creation: ${lanes.join(", ")}`);
  const spans = Object.entries(perSpan).map(
    ([channel, counts]) => `${channel} ${Array.from(counts, (n) => n ?? 0).join(" ")}`,
  );
  progress(`${side}: arrivals per ${laneSpanMs / 1000} s: ${spans.join("; ")}`);
  return { deliveries: latenciesMs.length, elapsedMs: last - firstAt, latenciesMs, failures };
}

/** The hub: one POST /api/v1/omni/notifications per notification (OTP_CODE on email and sms). */
export async function hubNotifications(options: {
  url: string;
  key: string;
  recipients: readonly Recipient[];
  tokenPrefix: string;
  count: number;
  concurrency: number;
  fakes: NotificationFakes;
  signal: AbortSignal;
}): Promise<RoundResult> {
  const started = new Map<string, number>();
  const failures: string[] = [];
  // No Accept-Encoding, as the other benchmarks' load generator sends: the hub would compress each answer.
  const headers = {
    authorization: `Bearer ${options.key}`,
    "content-type": "application/json",
    "accept-encoding": "identity",
  };
  const poster = httpPoster(options.concurrency);
  const firstAt = epochNow();
  await inParallel(options.count, options.concurrency, options.signal, async (i) => {
    const token = `${options.tokenPrefix}x${i}`;
    const recipient = options.recipients[i % options.recipients.length] as Recipient;
    started.set(token, epochNow());
    const res = await poster.post(
      `${options.url}/api/v1/omni/notifications`,
      headers,
      JSON.stringify({
        recipientId: recipient.id,
        recipientType: "customer",
        channels: ["email", "sms"],
        templateCode: "OTP_CODE",
        templateData: { code: token, validMinutes: 5 },
        priority: "normal",
      }),
    );
    if (res.status !== 201 && failures.length < 5) failures.push(`POST answered ${res.status}`);
  }).finally(() => poster.close());
  progress(`hub: ${options.count} notifications created in ${(epochNow() - firstAt).toFixed(0)} ms`);
  return collect("hub", options.fakes, started, firstAt, options.signal, failures);
}

/** The baseline: the same two deliveries as raw BullMQ jobs (one addBulk per notification). */
export async function baselineNotifications(options: {
  redis: Redis;
  prefix: string;
  recipients: readonly Recipient[];
  tokenPrefix: string;
  count: number;
  concurrency: number;
  fakes: NotificationFakes;
  signal: AbortSignal;
}): Promise<RoundResult> {
  const queues = {
    email: new Queue("bench-email", { connection: options.redis, prefix: `{${options.prefix}}` }),
    sms: new Queue("bench-sms", { connection: options.redis, prefix: `{${options.prefix}}` }),
  };
  const started = new Map<string, number>();
  const failures: string[] = [];
  const opts = { removeOnComplete: true, removeOnFail: 1000, attempts: 3 };
  try {
    const firstAt = epochNow();
    await inParallel(options.count, options.concurrency, options.signal, async (i) => {
      const token = `${options.tokenPrefix}x${i}`;
      const recipient = options.recipients[i % options.recipients.length] as Recipient;
      started.set(token, epochNow());
      const deliveryId = `bd_${token}`;
      await Promise.all([
        queues.email.add("email", { to: recipient.email, token, deliveryId: `${deliveryId}e` }, opts),
        queues.sms.add("sms", { to: recipient.phone, token, deliveryId: `${deliveryId}s` }, opts),
      ]);
    });
    return await collect("baseline", options.fakes, started, firstAt, options.signal, failures);
  } finally {
    await Promise.all([queues.email.close(), queues.sms.close()]);
  }
}
