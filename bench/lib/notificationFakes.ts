import { fork } from "node:child_process";
import { resolve } from "node:path";
import { repoRoot } from "./serverProcess.js";

/** A message token: `<side><round>x<index>` (h1x42), carried in the OTP code both sides send. */
export const tokenPattern = /\b([hb]\d+x\d+)\b/;

export const twilioAccount = {
  accountSid: `AC${"0123456789abcdef".repeat(2)}`,
  authToken: "bench-auth-token-0123456789abcdef",
  from: "+14155550100",
};

/** The clock arrivals are stamped with, in every process: epoch milliseconds, sub-millisecond. */
export const epochNow = () => performance.timeOrigin + performance.now();

/** The channels both sides send each notification on. */
export type BenchChannel = "email" | "sms";
type Arrival = { at: number; channel: BenchChannel };

type FromFakes =
  | { ready: { smtp: { host: string; port: number }; twilioUrl: string } }
  | { arrivals: Array<[string, number, BenchChannel]> };

/**
 * The fake providers both sides send to (notificationFakesProcess.ts), in a process of their own:
 * in the runner's, the SMTP fake's parsing waited behind the hub side's HTTP creations, which the
 * baseline's side does not make, and the e-mail tail of the hub's round was partly the runner's.
 * Arrivals come back over IPC, stamped with epochNow() where they arrived.
 */
export async function startNotificationFakes() {
  const child = fork(resolve(repoRoot, "bench/lib/notificationFakesProcess.ts"), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const arrivals = new Map<string, Arrival[]>();
  let count = 0;
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const ready = await new Promise<Extract<FromFakes, { ready: unknown }>["ready"]>((done, fail) => {
    child.once("exit", (code) =>
      fail(new Error(`the fake providers exited (${code}) before they were ready`)),
    );
    child.on("message", (message: FromFakes) => {
      if ("ready" in message) return done(message.ready);
      for (const [token, at, channel] of message.arrivals) {
        const list = arrivals.get(token);
        if (list) list.push({ at, channel });
        else arrivals.set(token, [{ at, channel }]);
        count++;
      }
    });
  });
  return {
    pid: child.pid ?? -1,
    smtp: ready.smtp,
    twilioUrl: ready.twilioUrl,
    arrivals,
    /** Messages stamped so far, all tokens. */
    received: () => count,
    async close() {
      if (child.connected) child.send({ close: true });
      const stopped = await Promise.race([exited.then(() => true), sleepMs(10_000).then(() => false)]);
      if (!stopped) child.kill("SIGKILL");
    },
  };
}
export type NotificationFakes = Awaited<ReturnType<typeof startNotificationFakes>>;

const sleepMs = (ms: number) => new Promise((done) => setTimeout(done, ms).unref());
