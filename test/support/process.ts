import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

export type Spawned = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the first stdout JSON log line whose msg matches, rejects if the process exits first. */
  waitForLog(msg: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  exited: Promise<number | null>;
};

/** Runs a TypeScript entry point of the repo (src/main.ts, src/cli.ts) as `npm start` would. */
export function spawnEntry(entry: string, env: Record<string, string>, args: string[] = []): Spawned {
  return spawnNode(["--import", "tsx", entry, ...args], env);
}

/** Runs node with exactly these arguments (a compiled entry point: no loader) in the repo. */
export function spawnNode(nodeArgs: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (d) => {
    out += String(d);
    for (const l of listeners) l();
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const exited = once(child, "exit").then(([code]) => code as number | null);
  const waitForLog = (msg: string, timeoutMs = 30_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const check = () => {
        for (const line of out.split("\n")) {
          if (!line.startsWith("{")) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) {
            cleanup();
            resolve(parsed);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no "${msg}" log within ${timeoutMs} ms; stderr: ${err}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      void exited.then((code) => {
        cleanup();
        reject(new Error(`exited with ${code} before "${msg}"; stderr: ${err}`));
      });
      check();
    });
  return { child, stdout: () => out, stderr: () => err, waitForLog, exited };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
