import { readdirSync, readFileSync } from 'node:fs';

/**
 * What a process and its descendants (the shop's workers under WORKERS=2) have used so far,
 * all threads included, from Linux's /proc: CPU time (user + system) and the bytes they sent
 * to storage (`write_bytes` of /proc/<pid>/io: the WAL frames, the checkpoints' pages). Read
 * before and after a window, it tells what each order cost the shop. Undefined where /proc is
 * not there or not readable (another OS): the benchmark then reports no such figure.
 */
export type Usage = {
  cpuMs: number;
  diskWriteBytes: number;
  /** CPU ms of each process's main thread (the event loop's), by pid. */
  mainThreadMs: Map<number, number>;
  /** When it was read (performance.now()). */
  atMs: number;
};

const CLOCK_TICKS_PER_S = 100;

export const usageOf = (pid: number): Usage | undefined => {
  try {
    let cpuMs = 0;
    let diskWriteBytes = 0;
    const mainThreadMs = new Map<number, number>();
    for (const member of [pid, ...descendantsOf(pid)]) {
      cpuMs += cpuMsOf(`/proc/${member}/stat`);
      // The thread whose id is the process's own: the main thread, which runs the event loop.
      mainThreadMs.set(member, cpuMsOf(`/proc/${member}/task/${member}/stat`));
      const io = readFileSync(`/proc/${member}/io`, 'utf8');
      diskWriteBytes += Number(/^write_bytes: (\d+)$/m.exec(io)?.[1] ?? 0);
    }
    return { cpuMs, diskWriteBytes, mainThreadMs, atMs: performance.now() };
  } catch {
    return undefined;
  }
};

/** Per unit of a window's work (an order, a request): CPU ms and disk KB written, from the usage before and after it. */
export const perUnit = (before: Usage | undefined, after: Usage | undefined, units: number): { cpuMs: number; diskKb: number } | undefined =>
  before && after && units > 0
    ? { cpuMs: (after.cpuMs - before.cpuMs) / units, diskKb: (after.diskWriteBytes - before.diskWriteBytes) / 1024 / units }
    : undefined;

/**
 * The busiest event loop between two readings: the largest share of the wall time any one of
 * the processes' main threads spent on a CPU (1: saturated; a shop whose rate stops there is
 * bound by that thread, not by the disk). Undefined without /proc.
 */
export const busiestMainThread = (before: Usage | undefined, after: Usage | undefined): number | undefined => {
  if (!before || !after || after.atMs <= before.atMs) return undefined;
  let busiest: number | undefined;
  for (const [pid, ms] of after.mainThreadMs) {
    const was = before.mainThreadMs.get(pid);
    if (was === undefined) continue;
    const share = (ms - was) / (after.atMs - before.atMs);
    busiest = Math.max(busiest ?? 0, share);
  }
  return busiest;
};

/** utime + stime of a /proc stat file (fields 14 and 15, in clock ticks), in ms. */
export const cpuMsOf = (path: string): number => {
  const fields = statFields(path);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
};

/**
 * The fields of a /proc stat file (`/proc/<pid>/stat`, `/proc/<pid>/task/<tid>/stat`) after the
 * command name, which may hold spaces and parentheses: [0] is the state, [1] the parent's pid.
 */
export const statFields = (path: string): string[] => {
  const stat = readFileSync(path, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
};

const descendantsOf = (root: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(`/proc/${entry}/stat`)[1]));
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
