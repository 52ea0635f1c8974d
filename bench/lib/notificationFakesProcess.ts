import { startSmtpFake } from "../../test/support/fakes/smtpServer.js";
import { startTwilioFake } from "../../test/support/fakes/twilioApi.js";
import { type BenchChannel as Channel, epochNow, tokenPattern, twilioAccount } from "./notificationFakes.js";

/**
 * The notification benchmark's fake providers in a process of their own, as real providers are
 * outside the hub's machine: the connectors' SMTP server and Twilio API fakes. Each message's
 * arrival is stamped here (epoch ms, sub-millisecond) by the token its text carries and sent to the
 * runner over IPC, a batch per 20 ms; nothing else is kept, so 40,000 messages a round do not pile up.
 */
const send = (message: unknown) => process.send?.(message);

const smtp = await startSmtpFake();
const twilio = await startTwilioFake(twilioAccount);
let pending: Array<[string, number, Channel]> = [];
const stamp = (text: string | undefined, channel: Channel) => {
  const token = text ? tokenPattern.exec(text)?.[1] : undefined;
  if (token) pending.push([token, epochNow(), channel]);
};
// Stamp instead of keep: the fakes push what they received onto these arrays.
Object.defineProperty(smtp.received, "push", {
  value: (...mails: Array<{ parsed: { subject?: string } }>) => {
    for (const mail of mails) stamp(mail.parsed.subject, "email");
    return 0;
  },
});
Object.defineProperty(twilio.messages, "push", {
  value: (...messages: Array<{ body: string }>) => {
    for (const message of messages) stamp(message.body, "sms");
    return 0;
  },
});
Object.defineProperty(twilio.requests, "push", { value: () => 0 });

const flush = setInterval(() => {
  if (pending.length === 0) return;
  send({ arrivals: pending });
  pending = [];
}, 20);

process.on("message", async (message: { close?: true }) => {
  if (!message.close) return;
  clearInterval(flush);
  await Promise.all([smtp.close(), twilio.close()]);
  process.exit(0);
});
// A runner that died without closing them leaves no fakes behind.
process.on("disconnect", () => process.exit(0));

send({ ready: { smtp: { host: smtp.host, port: smtp.port }, twilioUrl: twilio.url } });
