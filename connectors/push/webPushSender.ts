import webpush from "web-push";
import type { ChannelAccount, PushSubscriptionRecord, Sender, SenderDeps, SendResult } from "../contract.js";
import { pushPayloadOf, pushTopicOf, pushTtlSeconds } from "./pushMessage.js";
import { type PushAnswer, postPush } from "./pushRequest.js";

type OneResult = SendResult | { outcome: "gone"; reason: string };

/**
 * One push service's answer for one subscription (RFC 8030 and the services' documented codes):
 * 201 accepted; 404 / 410 the browser unsubscribed; 429 and 5xx busy; 400 / 403 / 413 a bad
 * request, VAPID key mismatch or a payload too large, which no retry fixes.
 */
export function pushOutcome(answer: PushAnswer, subscriptionId: string): OneResult {
  if (answer.kind === "failed") return { outcome: "transient", reason: `push: ${answer.error}` };
  const status = answer.statusCode;
  const reason = `push HTTP ${status}${answer.excerpt ? `: ${answer.excerpt.slice(0, 200)}` : ""}`;
  if (status >= 200 && status < 300)
    return { outcome: "sent", providerMessageId: answer.location ?? subscriptionId };
  if (status === 404 || status === 410) return { outcome: "gone", reason };
  if (status === 429 || status >= 500) {
    const seconds = Number(answer.retryAfter);
    return {
      outcome: "transient",
      reason,
      ...(Number.isFinite(seconds) && seconds > 0 ? { retryAfterMs: seconds * 1000 } : {}),
    };
  }
  return { outcome: "permanent", reason };
}

/**
 * A notification to every browser the recipient subscribed: sent when any accepted it (a retry
 * would repeat it on those), otherwise transient when any may accept later, otherwise permanent.
 */
export function combinePushResults(results: readonly OneResult[]): SendResult {
  const sent = results.filter((r) => r.outcome === "sent");
  if (sent.length > 0)
    return { outcome: "sent", providerMessageId: sent.map((r) => r.providerMessageId).join(" ") };
  const transient = results.find((r) => r.outcome === "transient");
  if (transient) return transient;
  const reasons = results.map((r) =>
    r.outcome === "gone" ? `unsubscribed (${r.reason})` : "reason" in r ? r.reason : "",
  );
  return { outcome: "permanent", reason: reasons.join("; ").slice(0, 500) || "push: no subscription" };
}

/** Browser push with web-push (VAPID, aes128gcm); a gone subscription is removed on the spot. */
export function webPushSender(account: ChannelAccount<"push">, deps: SenderDeps): Sender<"push"> {
  const { vapidPublicKey, vapidPrivateKey, subject } = account.settings;
  const vapidDetails = { subject, publicKey: vapidPublicKey, privateKey: vapidPrivateKey };

  async function sendOne(sub: PushSubscriptionRecord, payload: string, topic: string): Promise<OneResult> {
    let details: ReturnType<typeof webpush.generateRequestDetails>;
    try {
      details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, payload, {
        vapidDetails,
        TTL: pushTtlSeconds,
        topic,
        urgency: "normal",
        contentEncoding: "aes128gcm",
      });
    } catch (err) {
      // A subscription whose keys do not encrypt (corrupt p256dh): no retry makes it work.
      return {
        outcome: "permanent",
        reason: `push: ${err instanceof Error ? err.message.slice(0, 200) : "cannot encrypt"}`,
      };
    }
    const answer = await postPush(
      details.endpoint,
      { headers: details.headers as Record<string, string>, body: details.body ?? Buffer.alloc(0) },
      { timeoutMs: deps.timeoutMs, policy: deps.destinations },
    );
    const outcome = pushOutcome(answer, sub.id);
    if (outcome.outcome === "gone") await deps.pushSubscriptions.remove(account.tenantId, sub.id);
    return outcome;
  }

  return {
    channel: "push",
    async send(message) {
      const subscriptions = await deps.pushSubscriptions.listForCustomer(account.tenantId, message.to);
      if (subscriptions.length === 0)
        return { outcome: "permanent", reason: "push: the recipient has no browser subscription" };
      const payload = pushPayloadOf(message);
      const topic = pushTopicOf(message.deliveryId);
      return combinePushResults(await Promise.all(subscriptions.map((sub) => sendOne(sub, payload, topic))));
    },
  };
}
