import { spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { throwIfInterrupted } from "./interrupted.js";
import { freePort } from "./ports.js";

export const repoRoot = fileURLToPath(new URL("../..", import.meta.url));

/** A server running in its own Node process, listening on 127.0.0.1. */
export type ServerProcess = Readonly<{
  label: string;
  url: string;
  pid: number;
  /** Every process's own URL (the first is `url`): a worker's operations endpoints, say. */
  urls: readonly string[];
  /** Every process the server runs as (one, or several for a server split by role): CPU and memory are their sum. */
  pids: readonly number[];
  /** The last output the process wrote, stdout and stderr interleaved. */
  output(): string;
  /** SIGTERM, then wait for the exit; SIGKILL if it does not come in time. Throws unless it exited 0. */
  stop(): Promise<void>;
}>;

export type ServerSpec = Readonly<{
  label: string;
  /** A TypeScript entry point, run with `node --import tsx` from the repository root. */
  entry: string;
  /** Beside NODE_ENV=production, PORT (a free one) and HOST=127.0.0.1, which every server gets. */
  env: Readonly<Record<string, string>>;
  /** The variable that gets the free port, when it is not PORT (a hub worker's OPERATIONS_PORT). */
  portVariable?: string;
  /** How long the server may take to be ready. */
  readyTimeoutMs: number;

  signal: AbortSignal;
  /** Options for node before `--import tsx`, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
}>;

// Children get a clean environment: a developer's shell variables must not change what is measured.
const inheritedVariables = ["PATH", "HOME", "TMPDIR", "LANG"] as const;
const outputTailBytes = 16 * 1024;
// Longer than the hub's default SHUTDOWN_TIMEOUT_MS (15 s), which lets running jobs finish.
const stopTimeoutMs = 20_000;

const readyPath = "/readyz";

export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const port = await freePort();
  const inherited = Object.fromEntries(
    inheritedVariables.flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
  // node itself, not npx: the pid is the server's, so its memory is the server's.
  const child = spawn(process.execPath, [...(spec.nodeArgs ?? []), "--import", "tsx", spec.entry], {
    cwd: repoRoot,
    env: {
      ...inherited,
      NODE_ENV: "production",
      [spec.portVariable ?? "PORT"]: String(port),
      HOST: "127.0.0.1",
      ...spec.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tail = "";
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString("utf8")).slice(-outputTailBytes);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`));
    child.once("error", (err) => resolve(`spawn error: ${err.message}`));
  });
  let exitedWith: string | undefined;
  void exited.then((how) => {
    exitedWith = how;
  });

  const url = `http://127.0.0.1:${port}`;
  const server: ServerProcess = {
    label: spec.label,
    url,
    pid: child.pid ?? -1,
    urls: [url],
    pids: [child.pid ?? -1],
    output: () => tail,
    async stop() {
      if (exitedWith === undefined) {
        child.kill("SIGTERM");
        const how = await Promise.race([exited, sleep(stopTimeoutMs, "timeout", { ref: false })]);
        if (how === "timeout") {
          child.kill("SIGKILL");
          await exited;
          throw new Error(`${spec.label} did not stop within ${stopTimeoutMs} ms of SIGTERM; killed`);
        }
      }
      // A crash during the run, or a shutdown that failed, must not pass unnoticed.
      if (exitedWith !== "code 0") throw new Error(`${spec.label} exited with ${exitedWith}`);
    },
  };

  const deadline = Date.now() + spec.readyTimeoutMs;
  try {
    while (Date.now() < deadline) {
      throwIfInterrupted(spec.signal);
      if (exitedWith !== undefined) {
        throw new Error(`${spec.label} exited (${exitedWith}) before it was ready. Its output:\n${tail}`);
      }
      if (await answers200(`${url}${readyPath}`)) return server;
      await sleep(100);
    }
    throw new Error(
      `${spec.label} was not ready at ${url}${readyPath} within ${spec.readyTimeoutMs} ms. Its output:\n${tail}`,
    );
  } catch (err) {
    await server.stop().catch(() => undefined);
    throw err;
  }
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/**
 * Starts several processes one after another (each waits for the one before to be ready) and
 * returns them as one server; if one fails to start, the ones already running are stopped.
 */
export async function startTogether(
  label: string,
  starters: readonly [() => Promise<ServerProcess>, ...(() => Promise<ServerProcess>)[]],
): Promise<ServerProcess> {
  const started: ServerProcess[] = [];
  try {
    for (const start of starters) started.push(await start());
  } catch (err) {
    await Promise.allSettled(started.map((p) => p.stop()));
    throw err;
  }
  return asOneServer(label, started as [ServerProcess, ...ServerProcess[]]);
}

/**
 * Several processes that serve as one (the hub as production deploys it: an API process and a
 * worker process): the first one's URL, every one's pids, all stopped together.
 */
function asOneServer(label: string, processes: readonly [ServerProcess, ...ServerProcess[]]): ServerProcess {
  const [first] = processes;
  return {
    label,
    url: first.url,
    pid: first.pid,
    urls: processes.flatMap((p) => p.urls),
    pids: processes.flatMap((p) => p.pids),
    output: () => processes.map((p) => `--- ${p.label} ---\n${p.output()}`).join("\n"),
    async stop() {
      const stopped = await Promise.allSettled(processes.map((p) => p.stop()));
      const errors = stopped.flatMap((s) => (s.status === "rejected" ? [s.reason] : []));
      if (errors.length > 0) throw new AggregateError(errors, `${label}: ${errors.map(String).join("; ")}`);
    },
  };
}
