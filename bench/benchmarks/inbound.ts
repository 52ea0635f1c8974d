import { randomBytes } from "node:crypto";
import { startTelegramFake } from "../../test/support/fakes/telegramBotApi.js";
import { startTwilioFake } from "../../test/support/fakes/twilioApi.js";
import { adminClient } from "../lib/admin.js";
import { startBaseline } from "../lib/baseline.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { createBenchDatabase } from "../lib/database.js";
import { httpPoster } from "../lib/httpPost.js";
import { hubPoolSize, pipelineTopology, startHub } from "../lib/hub.js";
import {
  customersPerRound,
  type InboundCustomer,
  type InboundPost,
  inboundCustomers,
  measureRound,
  outcomeCounts,
  seedKnownCustomers,
  telegramSecret,
  telegramUpdate,
  twilioIncoming,
} from "../lib/inboundWorkload.js";
import { progress } from "../lib/log.js";
import { twilioAccount } from "../lib/notificationFakes.js";
import { deleteBullKeys } from "../lib/redis.js";
import { alternatingRounds, type WorkRound } from "../lib/rounds.js";
import { startTogether } from "../lib/serverProcess.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison } from "../lib/types.js";

// BENCH_INBOUND_MESSAGES shrinks a round for a quick look; the figure is 20,000.
const messagesPerRound = Number(process.env.BENCH_INBOUND_MESSAGES ?? 20_000);
const warmupMessages = Math.min(customersPerRound * 2, messagesPerRound);
/**
 * The baseline worker's concurrency: the hub's inbound queue's when the benchmark was written. The
 * hub's is 200 since session 9 (queues/catalog.ts: its lanes batch what waits); the baseline, whose
 * worker keeps up with its intake at 50, is left as it was measured.
 */
const inboundConcurrency = 50;
const botToken = "123456789:AABenchTokenForInbound_0123456789abcd";
/** The URL Twilio is told to post to, and signs: the hub checks against PUBLIC_BASE_URL, not the request's. */
const publicBaseUrl = "https://switchboard.bank.example";

/**
 * 20,000 customer messages from 2,000 customers (half on Telegram, half by SMS; half of each known
 * to the bank, the rest new) posted to the hub's webhook routes in each channel's wire format
 * (Telegram's secret-token header, Twilio's signed form), and routed into tickets (each customer's
 * first message, acknowledged on their channel through the fake providers) and comments (the
 * other nine). Against raw BullMQ jobs doing one INSERT each behind a bare HTTP route. Figures are
 * read from the database's clock: first message stored to last one routed (or inserted), and each
 * message's stored-to-routed time. `--connections` is the posts in flight; `--duration` is unused.
 */
export const benchmark: Benchmark = {
  summary:
    "20,000 inbound messages (Telegram + SMS webhooks) from 2,000 customers into tickets and comments vs raw BullMQ jobs doing one INSERT each",
  targets: [{ key: "messagesPerSec", atLeast: 0.5 }],
  async run(options): Promise<Comparison> {
    const teardown = new Teardown();
    try {
      const telegram = await startTelegramFake({ tokens: [botToken] });
      teardown.defer("stop Telegram fake", () => telegram.close());
      const twilioApi = await startTwilioFake(twilioAccount);
      teardown.defer("stop Twilio fake", () => twilioApi.close());
      const database = await createBenchDatabase(options.databaseUrl);
      teardown.defer("drop database", () => database.drop());
      const redisPrefix = `bench${randomBytes(4).toString("hex")}`;
      const basePrefix = `benchbase${randomBytes(4).toString("hex")}`;
      teardown.defer("delete Redis keys", () => deleteBullKeys(options.redisUrl, redisPrefix));
      teardown.defer("delete baseline Redis keys", () => deleteBullKeys(options.redisUrl, basePrefix));
      const hub = await startHub({
        databaseUrl: database.url,
        redisUrl: options.redisUrl,
        redisPrefix,
        signal: options.signal,
        topology: pipelineTopology,
        env: {
          CHANNEL_SECRET_KEYS: `bench:${randomBytes(32).toString("base64")}`,
          PUBLIC_BASE_URL: publicBaseUrl,
        },
        ...cpuProfileArgs(options, "hub"),
      });
      teardown.defer("stop hub", () => hub.stop());
      // Split as the hub is split, so that neither side gets a second process the other lacks.
      const startBaselineAs = (role: "all" | "api" | "worker") =>
        startBaseline({
          file: "inbound.ts",
          databaseUrl: database.url,
          poolSize: hubPoolSize,
          signal: options.signal,
          env: {
            REDIS_URL: options.redisUrl,
            BENCH_PREFIX: basePrefix,
            WORKER_CONCURRENCY: String(inboundConcurrency),
            BASELINE_ROLE: role,
          },
          ...cpuProfileArgs(options, "baseline"),
        });
      const baseline =
        hub.topology === "split"
          ? await startTogether("baseline", [() => startBaselineAs("api"), () => startBaselineAs("worker")])
          : await startBaselineAs("all");
      teardown.defer("stop baseline", () => baseline.stop());
      const admin = adminClient(hub.url, hub.adminToken);
      const poster = httpPoster(options.connections);
      teardown.defer("close HTTP client", async () => poster.close());

      /** One tenant per round: its customers are new to it, and its figures read apart. */
      const hubRound = async (round: number, count: number): Promise<WorkRound> => {
        const tenant = await admin.createTenant({
          slug: `bench-inbound-${round}`,
          name: `Bench Inbound ${round}`,
        });
        await admin.saveChannel(tenant.id, "telegram", {
          provider: "telegram",
          enabled: true,
          settings: { botToken, apiRoot: telegram.url, webhookSecret: telegramSecret },
        });
        await admin.saveChannel(tenant.id, "sms", {
          provider: "twilio",
          enabled: true,
          settings: { ...twilioAccount, apiBaseUrl: twilioApi.url },
        });
        const customers = inboundCustomers(round);
        await seedKnownCustomers(database.url, tenant.id, customers);
        const smsPost = (
          path: string,
          customer: Extract<InboundCustomer, { channel: "sms" }>,
          r: number,
          i: number,
          text: string,
        ) => {
          const form = twilioIncoming({
            authToken: twilioAccount.authToken,
            signedUrl: `${publicBaseUrl}${path}`,
            accountSid: twilioAccount.accountSid,
            to: twilioAccount.from,
            from: customer.phone,
            sid: `SM${String(r).padStart(4, "0")}${String(i).padStart(28, "0")}`,
            text,
          });
          return poster.post(
            `${hub.url}${path}`,
            { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": form.signature },
            form.body,
          );
        };
        const post: InboundPost = ({ index, customer, sequence, text }) =>
          customer.channel === "telegram"
            ? poster.post(
                `${hub.url}/api/webhooks/telegram/${tenant.id}`,
                { "content-type": "application/json", "x-telegram-bot-api-secret-token": telegramSecret },
                JSON.stringify(telegramUpdate(round, index, customer.chatId, sequence, text)),
              )
            : smsPost(`/api/webhooks/sms/${tenant.id}`, customer, round, index, text);
        const measured = await measureRound({
          side: "hub",
          round,
          customers,
          count,
          concurrency: options.connections,
          signal: options.signal,
          post,
          databaseUrl: database.url,
          finished: {
            text: `SELECT created_at AS stored, routed_at AS done FROM inbound_messages
                   WHERE tenant_id = $1 AND status = 'routed'`,
            values: [tenant.id],
          },
        });
        const failures = [...measured.failures];
        const outcomes = await outcomeCounts(database.url, tenant.id);
        const tickets = Math.min(count, customersPerRound);
        if ((outcomes.ticket_created ?? 0) !== tickets || (outcomes.comment_added ?? 0) !== count - tickets)
          failures.push(
            `hub round ${round}: expected ${tickets} tickets and ${count - tickets} comments, got ${JSON.stringify(outcomes)}`,
          );
        return { ...measured, failures };
      };

      const baseRound = async (round: number, count: number): Promise<WorkRound> => {
        const customers = inboundCustomers(round);
        const post: InboundPost = ({ index, text }) =>
          poster.post(
            `${baseline.url}/messages`,
            { "content-type": "application/json" },
            JSON.stringify({ id: `b${round}x${index}`, text }),
          );
        return measureRound({
          side: "baseline",
          round,
          customers,
          count,
          concurrency: options.connections,
          signal: options.signal,
          post,
          databaseUrl: database.url,
          finished: {
            text: "SELECT received_at AS stored, inserted_at AS done FROM bench_baseline_inbound WHERE id LIKE $1",
            values: [`b${round}x%`],
          },
        });
      };

      return await alternatingRounds({
        rounds: options.rounds,
        warmupUnits: options.warmupS > 0 ? warmupMessages : 0,
        units: messagesPerRound,
        baseline: baseRound,
        hub: hubRound,
        rate: { key: "messagesPerSec", label: "messages/s into tickets and comments", unit: "messages" },
        latency: "receipt-to-ticket",
      });
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
