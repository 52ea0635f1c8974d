import type { Redis } from "ioredis";

/**
 * Listens on one pub/sub channel of a subscriber connection that other listeners may share (a
 * connection in subscriber mode hears every channel it subscribed to). Returns how to stop: the
 * listener goes, and the channel is unsubscribed (a connection already gone is no error).
 */
export async function listenOnChannel(
  subscriber: Redis,
  channel: string,
  onMessage: (raw: string) => void,
): Promise<() => Promise<void>> {
  const heard = (from: string, raw: string) => {
    if (from === channel) onMessage(raw);
  };
  subscriber.on("message", heard);
  await subscriber.subscribe(channel);
  return async () => {
    subscriber.off("message", heard);
    await subscriber.unsubscribe(channel).catch(() => undefined);
  };
}
