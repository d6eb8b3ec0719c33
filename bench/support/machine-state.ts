import { readFileSync } from 'node:fs';

/**
 * What the machine was doing besides the benchmark, recorded beside its figures: on a shared
 * machine one commit measures differently when other tenants take the cores (quick runs with
 * one core kept busy by another process met 10 and 13 targets where the same code met 13-14). From
 * Linux's /proc/stat, between two snapshots: the share of all cores' time that processes other
 * than this run used (busy time, less the CPU of the runner and of every child it has reaped:
 * the benchmark processes, their shops and load generators), and the time the hypervisor took
 * from this machine (steal, where the kernel reports it). And a probe of a core's pace: a fixed
 * piece of work (JSON, see probeMs), timed before each benchmark, whose milliseconds compare two
 * runs' machines as the raw fsync anchor compares their disks. Undefined without /proc.
 */

/** Clock ticks of the machine's cores (the `cpu` line of /proc/stat, all cores summed), and this run's own CPU then. */
export type Snapshot = { busyTicks: number; stealTicks: number; totalTicks: number; ownTicks: number };

export type MachineState = {
  /** Of all cores' time between the snapshots: what other processes used, in percent. */
  others_cpu_pct: number;
  /** Of all cores' time: what the hypervisor took (0 where the kernel reports none). */
  steal_pct: number;
};

/**
 * The `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice.
 * Busy is user + nice + system + irq + softirq (guest time is already inside user and nice).
 */
export const cpuLine = (procStat: string): Omit<Snapshot, 'ownTicks'> => {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no cpu line in /proc/stat');
  // A kernel that reports no steal column counts none; any other field missing is unreadable.
  const [user = NaN, nice = NaN, system = NaN, idle = NaN, iowait = NaN, irq = NaN, softirq = NaN, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  if (![user, nice, system, idle, iowait, irq, softirq, steal].every(Number.isFinite)) throw new Error(`unreadable cpu line: ${line}`);
  const busyTicks = user + nice + system + irq + softirq;
  return { busyTicks, stealTicks: steal, totalTicks: busyTicks + idle + iowait + steal };
};

/** This process's user and system time and its reaped children's (fields 14-17 of /proc/self/stat), in clock ticks. */
export const ownTicksOf = (selfStat: string): number => {
  const fields = selfStat.slice(selfStat.lastIndexOf(')') + 2).split(' ');
  return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
};

export const snapshot = (): Snapshot | undefined => {
  try {
    return { ...cpuLine(readFileSync('/proc/stat', 'utf8')), ownTicks: ownTicksOf(readFileSync('/proc/self/stat', 'utf8')) };
  } catch {
    return undefined;
  }
};

export const between = (before: Snapshot | undefined, after: Snapshot | undefined): MachineState | undefined => {
  if (!before || !after) return undefined;
  const total = after.totalTicks - before.totalTicks;
  if (total <= 0) return undefined;
  const others = after.busyTicks - before.busyTicks - (after.ownTicks - before.ownTicks);
  const pct = (ticks: number) => Math.round((Math.max(0, ticks) / total) * 1000) / 10;
  return { others_cpu_pct: pct(others), steal_pct: pct(after.stealTicks - before.stealTicks) };
};

/**
 * Milliseconds one core takes to write and read back as JSON 20,000 small documents (the best
 * of five): JavaScript work of the kind the shop does, so its pace at that moment.
 */
export const probeMs = (): number => {
  const documents = Array.from({ length: 20_000 }, (_, i) => ({ id: `doc-${i}`, sku: `SKU-${i % 997}`, quantity: i % 13, price: { amount: 1000 + i, currency: 'USD' }, tags: ['a', 'b', String(i % 7)] }));
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    const back = JSON.parse(JSON.stringify(documents)) as unknown[];
    if (back.length !== documents.length) throw new Error('probe: the documents did not come back');
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(best * 10) / 10;
};
