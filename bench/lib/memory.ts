import { readFile } from "node:fs/promises";

export type Memory = Readonly<{ rssBytes: number; peakRssBytes: number }>;

/** Resident memory of a live process from Linux's /proc: now (VmRSS) and its peak so far (VmHWM). */
export async function readMemory(pid: number): Promise<Memory> {
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
 * CPU time a live process has used so far, user and system, in milliseconds (Linux /proc, fields
 * utime and stime in clock ticks of 1/100 s). The difference over a round is what that round cost
 * the process, whatever else the machine was running meanwhile.
 */
export async function readCpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces and parentheses: fields are counted after its closing one.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
