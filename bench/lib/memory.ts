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
