import { readFile } from "node:fs/promises";

export type Memory = Readonly<{ rssBytes: number; peakRssBytes: number }>;

/**
 * Resident memory of live processes from Linux's /proc, summed: now (VmRSS) and each one's peak so
 * far (VmHWM; for several processes the sum of their peaks, an upper bound of the peak of the sum).
 */
export async function readMemory(pids: readonly number[]): Promise<Memory> {
  const each = await Promise.all(pids.map(readMemoryOf));
  return {
    rssBytes: each.reduce((sum, m) => sum + m.rssBytes, 0),
    peakRssBytes: each.reduce((sum, m) => sum + m.peakRssBytes, 0),
  };
}

async function readMemoryOf(pid: number): Promise<Memory> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch((err: unknown) => {
    throw new Error(`cannot read memory of process ${pid} (Linux /proc only): ${String(err)}`);
  });
  return { rssBytes: kilobytes(status, "VmRSS") * 1024, peakRssBytes: kilobytes(status, "VmHWM") * 1024 };
}

function kilobytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!match?.[1]) throw new Error(`no ${field} line in /proc/<pid>/status`);
  return Number(match[1]);
}

/**
 * CPU time live processes have used so far, user and system, in milliseconds (Linux /proc, fields
 * utime and stime in clock ticks of 1/100 s), summed. The difference over a round is what that
 * round cost the processes, whatever else the machine was running meanwhile.
 */
export async function readCpuMs(pids: readonly number[]): Promise<number> {
  const each = await Promise.all(pids.map(readCpuMsOf));
  return each.reduce((sum, ms) => sum + ms, 0);
}

async function readCpuMsOf(pid: number): Promise<number> {
  return cpuMsOfStat(await readFile(`/proc/${pid}/stat`, "utf8"));
}

/**
 * The fields of a /proc/<pid>/stat line after the command name (state, ppid, ...), which may hold
 * spaces and parentheses: they are counted after its closing one.
 */
export function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** utime + stime of a /proc/<pid>/stat line, in ms (clock ticks of 1/100 s). */
export function cpuMsOfStat(stat: string): number {
  const fields = statFields(stat);
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
