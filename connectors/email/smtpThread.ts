import { parentPort } from "node:worker_threads";
import type { ChannelAccount, OutboundMessage, Sender, SendResult } from "../contract.js";
import { smtpSender } from "./smtpSender.js";

/** What the hub's thread asks of the SMTP thread (smtpThreadSender.ts); `ref` names an open account. */
export type ToSmtpThread =
  | { kind: "open"; ref: number; account: ChannelAccount<"email">; timeoutMs: number }
  | { kind: "send"; id: number; ref: number; message: OutboundMessage<"email"> }
  | { kind: "close"; ref: number };

/** Every send is answered once, by its id. */
export type FromSmtpThread = { id: number; result: SendResult };

/**
 * The SMTP thread: each open account's pooled nodemailer transport (smtpSender) lives here, so that
 * every step of an SMTP dialogue is answered as soon as its reply arrives instead of after whatever
 * the hub's own event loop is doing. A closed account's sender finishes the sends it had in hand
 * (smtpSender's close waits for them); once no account is open or closing, the thread exits.
 */
const port = parentPort;
if (!port) throw new Error("smtpThread.ts runs as a worker thread (see smtpThreadSender.ts)");
const senders = new Map<number, Sender<"email">>();
let closing = 0;

const answer = (id: number, result: SendResult) => port.postMessage({ id, result } satisfies FromSmtpThread);

port.on("message", (request: ToSmtpThread) => {
  switch (request.kind) {
    case "open":
      senders.set(request.ref, smtpSender(request.account, { timeoutMs: request.timeoutMs }));
      return;
    case "send": {
      const sender = senders.get(request.ref);
      if (!sender)
        return answer(request.id, { outcome: "transient", reason: "the e-mail account is not open here" });
      // smtpSender turns every failure into an outcome; anything else is passing trouble.
      void sender.send(request.message).then(
        (result) => answer(request.id, result),
        (err: unknown) =>
          answer(request.id, {
            outcome: "transient",
            reason: err instanceof Error ? err.message : String(err),
          }),
      );
      return;
    }
    case "close": {
      const sender = senders.get(request.ref);
      if (!sender) return;
      senders.delete(request.ref);
      closing++;
      // The close resolves as its last send settles, before that send's answer is posted: the port
      // closes a turn later, once every answer is out.
      void Promise.resolve(sender.close?.()).finally(() =>
        setImmediate(() => {
          if (--closing === 0 && senders.size === 0) port.close();
        }),
      );
      return;
    }
    default:
      return request satisfies never;
  }
});
