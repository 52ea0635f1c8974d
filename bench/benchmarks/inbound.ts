import { randomBytes } from "node:crypto";
import { startTelegramFake } from "../../test/support/fakes/telegramBotApi.js";
import { startTwilioFake } from "../../test/support/fakes/twilioApi.js";
import { adminClient } from "../lib/admin.js";
import { startBaseline } from "../lib/baseline.js";
import { cpuProfileArgs } from "../lib/compareHttp.js";
import { createBenchDatabase } from "../lib/database.js";
import { hubPoolSize, startHub } from "../lib/hub.js";
import {
  collectRound,
  customersPerRound,
  type InboundCustomer,
  type InboundPost,
  type InboundRound,
  inboundCustomers,
  messagesPerSecond,
  outcomeCounts,
  postMessages,
  seedKnownCustomers,
  telegramSecret,
  telegramUpdate,
  twilioIncoming,
} from "../lib/inboundWorkload.js";
import { progress } from "../lib/log.js";
import { twilioAccount } from "../lib/notificationFakes.js";
import { deleteBullKeys } from "../lib/redis.js";
import { Teardown } from "../lib/teardown.js";
import type { Benchmark, Comparison, Figure } from "../lib/types.js";
import { percentile } from "../lib/units.js";

// BENCH_INBOUND_MESSAGES shrinks a round for a quick look; the figure is 20,000.
const messagesPerRound = Number(process.env.BENCH_INBOUND_MESSAGES ?? 20_000);
const warmupMessages = Math.min(customersPerRound * 2, messagesPerRound);
/** The hub's inbound queue concurrency (queues/catalog.ts), given to the baseline's worker too. */
const inboundConcurrency = 10;
const botToken = "123456789:AABenchTokenForInbound_0123456789abcd";
/** The URL Twilio is told to post to, and signs: the hub checks against PUBLIC_BASE_URL, not the request's. */
const publicBaseUrl = "https://switchboard.bank.example";

const median = (values: readonly number[]) => percentile(values, 50);

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
        env: {
          CHANNEL_SECRET_KEYS: `bench:${randomBytes(32).toString("base64")}`,
          PUBLIC_BASE_URL: publicBaseUrl,
        },
        ...cpuProfileArgs(options, "hub"),
      });
      teardown.defer("stop hub", () => hub.stop());
      const baseline = await startBaseline({
        file: "inbound.ts",
        databaseUrl: database.url,
        poolSize: hubPoolSize,
        signal: options.signal,
        env: {
          REDIS_URL: options.redisUrl,
          BENCH_PREFIX: basePrefix,
          WORKER_CONCURRENCY: String(inboundConcurrency),
        },
        ...cpuProfileArgs(options, "baseline"),
      });
      teardown.defer("stop baseline", () => baseline.stop());
      const admin = adminClient(hub.url, hub.adminToken);

      /** One tenant per round: its customers are new to it, and its figures read apart. */
      const hubRound = async (round: number, count: number): Promise<InboundRound> => {
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
          return fetch(`${hub.url}${path}`, {
            method: "POST",
            headers: {
              "content-type": "application/x-www-form-urlencoded",
              "x-twilio-signature": form.signature,
            },
            body: form.body,
          });
        };
        const post: InboundPost = ({ index, customer, sequence, text }) =>
          customer.channel === "telegram"
            ? fetch(`${hub.url}/api/webhooks/telegram/${tenant.id}`, {
                method: "POST",
                headers: {
                  "content-type": "application/json",
                  "x-telegram-bot-api-secret-token": telegramSecret,
                },
                body: JSON.stringify(telegramUpdate(round, index, customer.chatId, sequence, text)),
              })
            : smsPost(`/api/webhooks/sms/${tenant.id}`, customer, round, index, text);
        const posted = await postMessages({
          customers,
          count,
          concurrency: options.connections,
          signal: options.signal,
          post,
        });
        const collected = await collectRound({
          databaseUrl: database.url,
          expected: count - posted.refused,
          signal: options.signal,
          finished: {
            text: `SELECT created_at AS stored, routed_at AS done, outcome FROM inbound_messages
                   WHERE tenant_id = $1 AND status = 'routed'`,
            values: [tenant.id],
          },
        });
        const failures = [...posted.failures];
        if (posted.refused > 0) failures.push(`hub round ${round}: ${posted.refused} posts refused`);
        if (collected.missing > 0)
          failures.push(`hub round ${round}: ${collected.missing} messages not routed`);
        const outcomes = await outcomeCounts(database.url, tenant.id);
        const tickets = Math.min(count, customersPerRound);
        if ((outcomes.ticket_created ?? 0) !== tickets || (outcomes.comment_added ?? 0) !== count - tickets)
          failures.push(
            `hub round ${round}: expected ${tickets} tickets and ${count - tickets} comments, got ${JSON.stringify(outcomes)}`,
          );
        return { ...collected, failures };
      };

      const baseRound = async (round: number, count: number): Promise<InboundRound> => {
        const customers = inboundCustomers(round);
        const post: InboundPost = ({ index, text }) =>
          fetch(`${baseline.url}/messages`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ id: `b${round}x${index}`, text }),
          });
        const posted = await postMessages({
          customers,
          count,
          concurrency: options.connections,
          signal: options.signal,
          post,
        });
        const collected = await collectRound({
          databaseUrl: database.url,
          expected: count - posted.refused,
          signal: options.signal,
          finished: {
            text: "SELECT received_at AS stored, inserted_at AS done FROM bench_baseline_inbound WHERE id LIKE $1",
            values: [`b${round}x%`],
          },
        });
        const failures = [...posted.failures];
        if (posted.refused > 0) failures.push(`baseline round ${round}: ${posted.refused} posts refused`);
        if (collected.missing > 0)
          failures.push(`baseline round ${round}: ${collected.missing} messages not inserted`);
        return { ...collected, failures };
      };

      if (options.warmupS > 0) {
        progress(`warm-up: ${warmupMessages} messages each side, unmeasured`);
        await baseRound(0, warmupMessages);
        await hubRound(0, warmupMessages);
      }
      const hubRounds: InboundRound[] = [];
      const baseRounds: InboundRound[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        baseRounds.push(await baseRound(round, messagesPerRound));
        hubRounds.push(await hubRound(round, messagesPerRound));
        const h = hubRounds.at(-1) as InboundRound;
        const b = baseRounds.at(-1) as InboundRound;
        progress(
          `round ${round}: hub ${messagesPerSecond(h).toFixed(0)} messages/s (p50 ${percentile(h.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(h.latenciesMs, 99).toFixed(0)} ms), baseline ${messagesPerSecond(b).toFixed(0)} (p50 ${percentile(b.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(b.latenciesMs, 99).toFixed(0)} ms)`,
        );
      }
      const figures: Figure[] = [
        {
          key: "messagesPerSec",
          label: "messages/s into tickets and comments",
          hub: median(hubRounds.map(messagesPerSecond)),
          baseline: median(baseRounds.map(messagesPerSecond)),
        },
        {
          key: "latencyP50Ms",
          label: "receipt-to-ticket p50 ms",
          hub: median(hubRounds.map((r) => percentile(r.latenciesMs, 50))),
          baseline: median(baseRounds.map((r) => percentile(r.latenciesMs, 50))),
        },
        {
          key: "latencyP99Ms",
          label: "receipt-to-ticket p99 ms",
          hub: median(hubRounds.map((r) => percentile(r.latenciesMs, 99))),
          baseline: median(baseRounds.map((r) => percentile(r.latenciesMs, 99))),
        },
      ];
      return { figures, failures: [...hubRounds, ...baseRounds].flatMap((r) => r.failures) };
    } finally {
      for (const failure of await teardown.run()) progress(failure);
    }
  },
};
