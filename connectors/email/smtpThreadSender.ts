import { Worker } from "node:worker_threads";
import type { ChannelAccount, OutboundMessage, Sender, SenderDeps, SendResult } from "../contract.js";
import type { FromSmtpThread, ToSmtpThread } from "./smtpThread.js";

/**
 * The thread's entry beside this file: smtpThread.js when the hub runs compiled, smtpThread.ts when
 * it runs from source under tsx, whose loader a worker thread does not inherit: that one boots
 * through tsx's API first.
 */
function startThread(): Worker {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(`./smtpThread.${fromSource ? "ts" : "js"}`, import.meta.url);
  if (!fromSource) return new Worker(entry);
  const boot = `import("tsx/esm/api").then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true });
}

/**
 * One SMTP thread for the process, shared by every e-mail account's sender. It keeps the process
 * alive only while a send waits for it. If it dies, the sends it held fail as transient and their
 * jobs retry: as after a worker that dies mid-call, a message the server had already taken is sent
 * again (at least once). The next send starts another thread.
 */
export class SmtpThread {
  private readonly worker: Worker;
  private readonly opened = new Set<number>();
  private readonly waiting = new Map<number, (result: SendResult) => void>();
  private nextId = 0;
  stopped = false;

  constructor(onStopped: (thread: SmtpThread) => void, start: () => Worker = startThread) {
    this.worker = start();
    this.worker.unref();
    this.worker.on("message", (reply: FromSmtpThread) => this.answer(reply.id, reply.result));
    const stop = (reason: string) => {
      if (this.stopped) return;
      this.stopped = true;
      onStopped(this);
      for (const [id] of this.waiting) this.answer(id, { outcome: "transient", reason });
    };
    this.worker.on("error", (err) => stop(`the SMTP thread failed: ${err.message}`));
    this.worker.on("exit", (code) => stop(`the SMTP thread exited (${code})`));
  }

  send(ref: number, open: () => ToSmtpThread, message: OutboundMessage<"email">) {
    if (!this.opened.has(ref)) {
      this.post(open());
      this.opened.add(ref);
    }
    const id = ++this.nextId;
    return new Promise<SendResult>((resolve) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, resolve);
      this.post({ kind: "send", id, ref, message });
    });
  }

  /** Closes an account's transport; true when it was the thread's last (the thread then exits). */
  close(ref: number): boolean {
    if (!this.opened.delete(ref)) return false;
    this.post({ kind: "close", ref });
    return this.opened.size === 0;
  }

  private post(request: ToSmtpThread) {
    this.worker.postMessage(request);
  }

  private answer(id: number, result: SendResult) {
    const resolve = this.waiting.get(id);
    if (!resolve) return;
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.worker.unref();
    resolve(result);
  }
}

let current: SmtpThread | undefined;
let nextRef = 0;

function smtpThread(): SmtpThread {
  if (!current || current.stopped)
    current = new SmtpThread((stopped) => {
      if (current === stopped) current = undefined;
    });
  return current;
}

/**
 * E-mail over SMTP as smtpSender sends it, from the process's SMTP thread. An SMTP connection
 * carries one message at a time and each message is a dialogue of several replies; on the hub's
 * own event loop every reply waited for the turn in hand (claims, records, BullMQ), and the
 * account's few connections, not the CPU, bounded the e-mail lane: 150-200 e-mails a second on
 * 10 connections while the notifications benchmark was creating, 440-550 on this thread. The
 * message crosses to the thread in memory only; the account's settings (its password) are given to
 * the thread once, when the account is first used there.
 */
export function smtpThreadSender(account: ChannelAccount<"email">, deps: SenderDeps): Sender<"email"> {
  const ref = ++nextRef;
  const open = (): ToSmtpThread => ({ kind: "open", ref, account, timeoutMs: deps.timeoutMs });
  let closed = false;
  return {
    channel: "email",
    send(message) {
      if (closed) return Promise.resolve({ outcome: "transient", reason: "the e-mail sender is closed" });
      return smtpThread().send(ref, open, message);
    },
    close() {
      closed = true;
      if (current?.close(ref)) current = undefined;
    },
  };
}
