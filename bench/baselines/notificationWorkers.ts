import { createServer } from "node:http";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import type { ChannelAccount, ContentFor, OutboundMessage, SenderDeps } from "../../connectors/contract.js";
import { smtpThreadSender } from "../../connectors/email/smtpThreadSender.js";
import { twilioSender } from "../../connectors/sms/twilioSender.js";
import { jobCatalog } from "../../queues/catalog.js";
import { isContentFor, renderDelivery } from "../../src/notifications/content.js";
import { readDefaultTemplates, shippedTemplatesDir } from "../../src/templates/defaults.js";

/**
 * The notification benchmark's baseline: raw BullMQ workers, one queue per channel with the hub's
 * concurrency (its job catalog's), each job calling the same senders (the hub's SMTP thread with nodemailer's
 * pooled transport on the hub's account's connections, the twilio client) against the same fake providers. No database, no template, no state: the job's
 * data is the address and the token. Each sends the very message the hub sends (its OTP_CODE
 * variant for the recipients' language, rendered once at start with a marker where the code goes),
 * as the webhooks baseline posts the hub's body: the comparison is of the pipelines, not of how
 * long each side's text is. Serves GET /readyz for the runner once the workers run.
 */
const env = process.env;
const required = (name: string) => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const deps: SenderDeps = {
  publicBaseUrl: "http://127.0.0.1:9",
  pushSubscriptions: { listForCustomer: async () => [], remove: async () => undefined },
  whatsappWebClient: () => undefined,
  timeoutMs: 10_000,
  destinations: { allowedNetworks: [], httpsOnly: false },
};
const updatedAt = new Date();
const email = smtpThreadSender(
  {
    tenantId: "bench",
    channel: "email",
    provider: "smtp",
    enabled: true,
    updatedAt,
    settings: {
      host: required("SMTP_HOST"),
      port: Number(required("SMTP_PORT")),
      maxConnections: Number(required("SMTP_MAX_CONNECTIONS")),
      secure: false,
      from: "Bench <noreply@bank.example>",
    },
  } satisfies ChannelAccount<"email">,
  deps,
);
const sms = twilioSender(
  {
    tenantId: "bench",
    channel: "sms",
    provider: "twilio",
    enabled: true,
    updatedAt,
    settings: {
      accountSid: required("TWILIO_SID"),
      authToken: required("TWILIO_TOKEN"),
      from: required("TWILIO_FROM"),
      apiBaseUrl: required("TWILIO_URL"),
    },
  } satisfies ChannelAccount<"sms">,
  deps,
);

/** The hub's rendering of OTP_CODE for the benchmark's recipients (English, 5 minutes), `code` marked. */
const codeMark = "\u0000code\u0000";
const otpCode = readDefaultTemplates(shippedTemplatesDir).find((t) => t.code === "OTP_CODE")?.definition;
if (!otpCode) throw new Error("the shipped templates have no OTP_CODE");
const rendered = <C extends "email" | "sms">(channel: C): ContentFor<C> => {
  const result = renderDelivery(otpCode, channel, "en", "en", { code: codeMark, validMinutes: 5 });
  if (!result.ok || !isContentFor(channel, result.content))
    throw new Error(`OTP_CODE ${channel}: not rendered`);
  return result.content;
};
const emailContent = rendered("email");
const smsContent = rendered("sms");
const withCode = (text: string, token: string) => text.replaceAll(codeMark, token);

type Job = { to: string; token: string; deliveryId: string };
const connection = new Redis(required("REDIS_URL"), { maxRetriesPerRequest: null });
const prefix = `{${required("BENCH_PREFIX")}}`;
const workers = [
  new Worker<Job>(
    "bench-email",
    async (job) => {
      const message: OutboundMessage<"email"> = {
        deliveryId: job.data.deliveryId,
        tenantId: "bench",
        to: job.data.to,
        content: {
          channel: "email",
          subject: withCode(emailContent.subject, job.data.token),
          html: withCode(emailContent.html, job.data.token),
          text: withCode(emailContent.text, job.data.token),
        },
      };
      const result = await email.send(message);
      if (result.outcome !== "sent") throw new Error(result.reason);
    },
    { connection, prefix, concurrency: jobCatalog["notify-email"].concurrency },
  ),
  new Worker<Job>(
    "bench-sms",
    async (job) => {
      const message: OutboundMessage<"sms"> = {
        deliveryId: job.data.deliveryId,
        tenantId: "bench",
        to: job.data.to,
        content: { channel: "sms", text: withCode(smsContent.text, job.data.token) },
      };
      const result = await sms.send(message);
      if (result.outcome !== "sent") throw new Error(result.reason);
    },
    { connection, prefix, concurrency: jobCatalog["notify-sms"].concurrency },
  ),
];

const server = createServer((req, res) => {
  res.writeHead(req.url === "/readyz" ? 200 : 404).end();
});
server.listen(Number(required("PORT")), "127.0.0.1");

const stop = async () => {
  await Promise.all(workers.map((w) => w.close()));
  await email.close?.();
  connection.disconnect();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
