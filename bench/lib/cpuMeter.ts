import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { cpuMsOfStat, statFields } from "./memory.js";

/**
 * Where a group's processes are found at each sample: fixed pids, or a server by its command name
 * (PostgreSQL: its postmaster and every process the postmaster runs at that moment).
 */
export type ProcessGroup = Readonly<{ pids: readonly number[] } | { server: string }>;

export type CpuMeter = {
  /** Samples once more and answers each group's CPU milliseconds since the meter started. */
  stop(): Record<string, number>;
};

const sampleEveryMs = 500;

/**
 * CPU time that groups of processes used over a stretch of a run (Linux /proc), for seeing which
 * process a side's work cost, shared services included. PostgreSQL runs a process per connection:
 * its children are listed again at every sample, and a backend that starts during the stretch
 * counts from zero. One that exits between two samples loses what it used since the last one (at
 * most half a second of its time); a server's other clients count too, so measure on a server that
 * serves only the run. Reads /proc synchronously: each read is a few microseconds, and the runner
 * whose CPU is measured beside the sides must not spend it on a thread pool's round trips.
 */
export function startCpuMeter(groups: Readonly<Record<string, ProcessGroup>>): CpuMeter {
  const servers = new Map<string, number | undefined>();
  for (const group of Object.values(groups))
    if ("server" in group) servers.set(group.server, serverPid(group.server));
  const seen = new Map<number, number>();
  const used: Record<string, number> = Object.fromEntries(Object.keys(groups).map((name) => [name, 0]));
  const sample = (counting: boolean) => {
    for (const [name, group] of Object.entries(groups)) {
      const pids = "pids" in group ? group.pids : withChildren(servers.get(group.server));
      for (const pid of pids) {
        const ms = cpuMsOf(pid);
        if (ms === undefined) continue;
        const before = seen.get(pid);
        seen.set(pid, ms);
        if (counting) used[name] = (used[name] ?? 0) + ms - (before ?? 0);
      }
    }
  };
  sample(false);
  const timer = setInterval(() => sample(true), sampleEveryMs);
  return {
    stop() {
      clearInterval(timer);
      sample(true);
      return used;
    },
  };
}

/** How busy the whole machine was over a stretch of a run: every process, the run's and any other. */
export type MachineMeter = {
  /** The share of the cores' time spent running anything since the meter started, 0 to 1. */
  stop(): number;
};

/**
 * Whether a stretch was bound by the machine's cores or by waiting: a side whose round kept the
 * cores nearly always busy goes faster only by spending less CPU on each unit of work, where one
 * that left them idle was waiting on something (a provider's round trips, a lock), and less CPU
 * changes little. Counts from /proc/stat's first line (the runner reads /proc throughout): user,
 * nice, system, idle, iowait, irq, softirq and steal ticks of all cores (guest time is inside user).
 */
export function startMachineMeter(): MachineMeter {
  const before = machineTicks();
  return {
    stop() {
      const after = machineTicks();
      return (after.busy - before.busy) / Math.max(1, after.total - before.total);
    },
  };
}

function machineTicks(): { busy: number; total: number } {
  const first = readFileSync("/proc/stat", "utf8").split("\n", 1)[0] ?? "";
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = first
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, total: busy + idle + iowait + steal };
}

/** The cores a machine-busy share is of. */
export const machineCores = availableParallelism();

/** CPU ms so far; undefined for a process that is gone. */
function cpuMsOf(pid: number): number | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  return stat === undefined ? undefined : cpuMsOfStat(stat);
}

/** The process of that command whose parent is not of it (a server's first process), if running. */
function serverPid(command: string): number | undefined {
  const pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  const ofCommand = new Set(pids.filter((pid) => readOrUndefined(`/proc/${pid}/comm`)?.trim() === command));
  for (const pid of ofCommand) {
    const stat = readOrUndefined(`/proc/${pid}/stat`);
    const parent = stat === undefined ? undefined : statFields(stat)[1];
    if (parent !== undefined && !ofCommand.has(parent)) return Number(pid);
  }
  return undefined;
}

function withChildren(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  const children = readOrUndefined(`/proc/${pid}/task/${pid}/children`) ?? "";
  return [pid, ...children.split(" ").filter(Boolean).map(Number)];
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
