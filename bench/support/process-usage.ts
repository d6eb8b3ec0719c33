import { readdirSync, readFileSync } from 'node:fs';

/**
 * What a process and its descendants (the shop's workers under WORKERS=2) have used so far,
 * all threads included, from Linux's /proc: CPU time (user + system) and the bytes they sent
 * to storage (`write_bytes` of /proc/<pid>/io: the WAL frames, the checkpoints' pages). Read
 * before and after a window, it tells what each order cost the shop. Undefined where /proc is
 * not there or not readable (another OS): the benchmark then reports no such figure.
 */
export type Usage = { cpuMs: number; diskWriteBytes: number };

const CLOCK_TICKS_PER_S = 100;

export const usageOf = (pid: number): Usage | undefined => {
  try {
    let cpuMs = 0;
    let diskWriteBytes = 0;
    for (const member of [pid, ...descendantsOf(pid)]) {
      const stat = statFields(member);
      // utime and stime, in clock ticks (fields 14 and 15 of /proc/<pid>/stat).
      cpuMs += ((Number(stat[11]) + Number(stat[12])) * 1000) / CLOCK_TICKS_PER_S;
      const io = readFileSync(`/proc/${member}/io`, 'utf8');
      diskWriteBytes += Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
    }
    return { cpuMs, diskWriteBytes };
  } catch {
    return undefined;
  }
};

/** Per order of a window: CPU ms and disk KB written, from the usage before and after it. */
export const perOrder = (before: Usage | undefined, after: Usage | undefined, orders: number): { cpuMs: number; diskKb: number } | undefined =>
  before && after && orders > 0
    ? { cpuMs: (after.cpuMs - before.cpuMs) / orders, diskKb: (after.diskWriteBytes - before.diskWriteBytes) / 1024 / orders }
    : undefined;

/** The fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
const statFields = (pid: number): string[] => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

const descendantsOf = (root: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(Number(entry))[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const frontier = [root];
  while (frontier.length > 0) {
    const parent = frontier.pop()!;
    for (const [pid, ppid] of parents) {
      if (ppid === parent) {
        found.push(pid);
        frontier.push(pid);
      }
    }
  }
  return found;
};
