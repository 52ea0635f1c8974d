import { startSmtpFake } from "../../test/support/fakes/smtpServer.js";
import { startTwilioFake } from "../../test/support/fakes/twilioApi.js";

/** A message token: `<side><round>x<index>` (h1x42), carried in the OTP code both sides send. */
export const tokenPattern = /\b([hb]\d+x\d+)\b/;

export const twilioAccount = {
  accountSid: `AC${"0123456789abcdef".repeat(2)}`,
  authToken: "bench-auth-token-0123456789abcdef",
  from: "+14155550100",
};

/**
 * The fake providers both sides send to, in the runner's process: the connectors' SMTP server and
 * Twilio API fakes (the same ones their tests use). Each message's arrival is stamped by token;
 * the fakes keep nothing else, so 40,000 messages a round do not pile up in memory.
 */
export async function startNotificationFakes() {
  const smtp = await startSmtpFake();
  const twilio = await startTwilioFake(twilioAccount);
  const arrivals = new Map<string, number[]>();
  let count = 0;
  const stamp = (text: string | undefined) => {
    const token = text ? tokenPattern.exec(text)?.[1] : undefined;
    if (!token) return;
    const at = performance.now();
    const list = arrivals.get(token);
    if (list) list.push(at);
    else arrivals.set(token, [at]);
    count++;
  };
  // Stamp instead of keep: the fakes push what they received onto these arrays.
  Object.defineProperty(smtp.received, "push", {
    value: (...mails: Array<{ parsed: { subject?: string } }>) => {
      for (const mail of mails) stamp(mail.parsed.subject);
      return 0;
    },
  });
  Object.defineProperty(twilio.messages, "push", {
    value: (...messages: Array<{ body: string }>) => {
      for (const message of messages) stamp(message.body);
      return 0;
    },
  });
  Object.defineProperty(twilio.requests, "push", { value: () => 0 });
  return {
    smtp: { host: smtp.host, port: smtp.port },
    twilioUrl: twilio.url,
    arrivals,
    /** Messages stamped so far, all tokens. */
    received: () => count,
    async close() {
      await Promise.all([smtp.close(), twilio.close()]);
    },
  };
}
export type NotificationFakes = Awaited<ReturnType<typeof startNotificationFakes>>;
