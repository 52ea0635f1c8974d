import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../../src/logger.js";
import { listenOnChannel } from "../../src/redis/channelListener.js";
import type { WhatsAppWebClient } from "../contract.js";

/**
 * whatsapp-web.js sends from any process, although one gateway holds each tenant's session.
 *
 * The browser session lives in the gateway process holding the tenant's lease; the notification
 * and reply workers that send may run elsewhere (ROLE=worker beside ROLE=gateway). A worker without
 * the session gets a stand-in client whose calls travel over Redis pub/sub to the holder, which
 * serves its tenant's channel for as long as it holds the lease, and answer on the asking
 * process's own channel. Pub/sub rather than a queue: a call nobody serves (no gateway holds the
 * session, or it is changing hands) is known at once from PUBLISH's count of listeners and fails
 * as the session-not-ready case does (a transient error, retried by the job), instead of waiting in
 * a queue for a session that may not come back.
 *
 * A call the holder ran but whose answer was lost (the holder died between sending and answering)
 * times out and is retried, as a provider's timeout is: the customer may get that message twice.
 * Phone numbers and texts pass through Redis in flight only; nothing is stored.
 */

type Call =
  | { id: string; replyTo: string; op: "getNumberId"; args: [number: string] }
  | { id: string; replyTo: string; op: "sendMessage"; args: [chatId: string, content: string] };

type Answer = { id: string; ok: true; value: unknown } | { id: string; ok: false; error: string };

const callsChannel = (prefix: string, tenantId: string) => `${prefix}:whatsapp-web:calls:${tenantId}`;

/**
 * Serves a tenant's calls from other processes with the session this gateway holds, until the
 * returned stop. `client` is read on each call: the session may be reconnecting (no client yet).
 */
export function serveWebClientCalls(deps: {
  subscriber: Redis;
  publisher: Redis;
  prefix: string;
  tenantId: string;
  client: () => WhatsAppWebClient | undefined;
  logger: Pick<Logger, "warn">;
}): Promise<() => Promise<void>> {
  const answer = (replyTo: string, message: Answer) =>
    deps.publisher
      .publish(replyTo, JSON.stringify(message))
      .catch((err: unknown) => deps.logger.warn({ err }, "whatsapp-web: an answer was not sent"));
  const run = async (call: Call): Promise<unknown> => {
    const client = deps.client();
    if (!client) throw new Error("the session is not ready");
    return call.op === "getNumberId"
      ? client.getNumberId(...call.args)
      : client.sendMessage(...call.args).then((sent) => ({ id: { _serialized: sent.id._serialized } }));
  };
  return listenOnChannel(deps.subscriber, callsChannel(deps.prefix, deps.tenantId), (raw) => {
    const call = parseCall(raw);
    if (!call) return;
    run(call).then(
      (value) => answer(call.replyTo, { id: call.id, ok: true, value: value ?? null }),
      (err: unknown) =>
        answer(call.replyTo, {
          id: call.id,
          ok: false,
          error: err instanceof Error ? err.message.slice(0, 200) : "failed",
        }),
    );
  });
}

function parseCall(raw: string): Call | undefined {
  try {
    const call = JSON.parse(raw) as Call;
    const wellFormed =
      typeof call.id === "string" &&
      typeof call.replyTo === "string" &&
      Array.isArray(call.args) &&
      call.args.every((a) => typeof a === "string") &&
      ((call.op === "getNumberId" && call.args.length === 1) ||
        (call.op === "sendMessage" && call.args.length === 2));
    return wellFormed ? call : undefined;
  } catch {
    return undefined;
  }
}

export type RemoteWebClients = {
  /** A client whose calls run in whichever gateway holds the tenant's session. */
  clientFor(tenantId: string): WhatsAppWebClient;
  close(): Promise<void>;
};

/**
 * Stand-in clients for this process, answered on one channel of its own. A call fails at once when
 * no gateway serves the tenant, and after `timeoutMs` when the holder does not answer.
 */
export async function remoteWebClients(deps: {
  subscriber: Redis;
  publisher: Redis;
  prefix: string;
  timeoutMs: number;
}): Promise<RemoteWebClients> {
  const replyTo = `${deps.prefix}:whatsapp-web:answers:${randomUUID()}`;
  const waiting = new Map<string, { settle: (answer: Answer) => void }>();
  const stop = await listenOnChannel(deps.subscriber, replyTo, (raw) => {
    let answer: Answer;
    try {
      answer = JSON.parse(raw) as Answer;
    } catch {
      return;
    }
    waiting.get(answer.id)?.settle(answer);
  });

  const call = (tenantId: string, op: Call["op"], args: string[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the gateway holding the session did not answer"));
      }, deps.timeoutMs);
      waiting.set(id, {
        settle: (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          if (answer.ok) resolve(answer.value);
          else reject(new Error(answer.error));
        },
      });
      deps.publisher
        .publish(callsChannel(deps.prefix, tenantId), JSON.stringify({ id, replyTo, op, args }))
        .then(
          (listeners) => {
            if (listeners === 0)
              waiting.get(id)?.settle({ id, ok: false, error: "no gateway holds the session" });
          },
          (err: unknown) =>
            waiting
              .get(id)
              ?.settle({ id, ok: false, error: err instanceof Error ? err.message : "Redis failed" }),
        );
    });

  return {
    clientFor: (tenantId) => ({
      getNumberId: async (number) =>
        (await call(tenantId, "getNumberId", [number])) as { _serialized: string } | null,
      sendMessage: async (chatId, content) =>
        (await call(tenantId, "sendMessage", [chatId, content])) as { id: { _serialized: string } },
    }),
    close: async () => {
      await stop();
      for (const [id, entry] of waiting) entry.settle({ id, ok: false, error: "closing" });
    },
  };
}
