import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { freePort } from "./process.js";

/**
 * A redis-server of a test's own, on a free port and keeping nothing on disk, so the test can take
 * it down and bring it back empty: what a restart without persistence, or a failover to a replica
 * that lacked the keys, looks like to the hub.
 */
export type RedisServer = {
  readonly url: string;
  /** Kills the server as a crash would; it answers nothing until start(). */
  crash(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it answering while its connections stay open (SIGSTOP), as a hung server or a partition would. */
  pause(): void;
  /** Lets a paused server answer again (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
};

export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = async () => {
    const started = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    await new Promise<void>((resolve, reject) => {
      started.stdout?.on("data", (d) => {
        out += String(d);
        if (out.includes("Ready to accept connections")) resolve();
      });
      started.once("exit", (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
    });
    child = started;
  };
  const crash = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    const exited = once(running, "exit");
    running.kill("SIGKILL");
    await exited;
  };

  const signal = (name: NodeJS.Signals) => () => {
    child?.kill(name);
  };

  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    crash,
    start,
    stop: async () => {
      signal("SIGCONT")();
      await crash();
    },
    pause: signal("SIGSTOP"),
    resume: signal("SIGCONT"),
  };
}
