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
 * the hub's own event loop is doing. A closed account's transport closes once the sends it had in
 * hand are answered (nodemailer's pool would fail them); after the last, the thread exits.
 */
const port = parentPort;
if (!port) throw new Error("smtpThread.ts runs as a worker thread (see smtpThreadSender.ts)");
/** Each open account's sender, its sends in hand, and whether it was closed (it closes once they are answered). */
const accounts = new Map<number, { sender: Sender<"email">; sending: number; closing: boolean }>();

function closeWhenIdle(ref: number) {
  const account = accounts.get(ref);
  if (!account?.closing || account.sending > 0) return;
  accounts.delete(ref);
  void account.sender.close?.();
  if (accounts.size === 0) port?.close();
}

port.on("message", (request: ToSmtpThread) => {
  switch (request.kind) {
    case "open": {
      const sender = smtpSender(request.account, { timeoutMs: request.timeoutMs });
      accounts.set(request.ref, { sender, sending: 0, closing: false });
      return;
    }
    case "send": {
      const account = accounts.get(request.ref);
      if (!account || account.closing) {
        const result: SendResult = { outcome: "transient", reason: "the e-mail account is not open here" };
        return port.postMessage({ id: request.id, result } satisfies FromSmtpThread);
      }
      account.sending++;
      const answer = (result: SendResult) => {
        account.sending--;
        port.postMessage({ id: request.id, result } satisfies FromSmtpThread);
        closeWhenIdle(request.ref);
      };
      // smtpSender turns every failure into an outcome; anything else is passing trouble.
      void account.sender
        .send(request.message)
        .then(answer, (err: unknown) =>
          answer({ outcome: "transient", reason: err instanceof Error ? err.message : String(err) }),
        );
      return;
    }
    case "close": {
      const account = accounts.get(request.ref);
      if (account) account.closing = true;
      closeWhenIdle(request.ref);
      return;
    }
    default:
      return request satisfies never;
  }
});
