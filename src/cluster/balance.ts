/**
 * Who should run what: a pure function of what one process sees (the runners, the live
 * processes, who holds each lease), run by every process at every heartbeat. Each process
 * aims at its fair share, ceil(runners / live processes): it holds no more while another
 * has room, gives back its surplus when a process joins, and takes free or expired leases
 * up to its share, or all of them when nobody else has room (one process alone runs
 * everything). Processes prefer different runners (a hash of process and runner), so
 * that they rarely race for the same lease, and a process gives back those it likes least.
 */

export type BalanceInput = {
  me: string;
  /** Every runner of the shop, in a stable order. */
  runners: readonly string[];
  /** The live processes (this one may be missing before its first beat). */
  live: readonly string[];
  /** The holder of each runner whose lease is held now (by the store's clock). */
  holders: ReadonlyMap<string, string>;
};

export type Plan = {
  /** Runners to give back now (stop them first). */
  release: string[];
  /** Free runners, most wanted first: claim them in order until `take` claims succeed. */
  claim: string[];
  take: number;
};

export const plan = ({ me, runners, live, holders }: BalanceInput): Plan => {
  const processes = [...new Set([...live, me])];
  const share = Math.ceil(runners.length / processes.length);
  const floor = Math.floor(runners.length / processes.length);
  const count = new Map<string, number>();
  for (const runner of runners) {
    const holder = holders.get(runner);
    if (holder !== undefined) count.set(holder, (count.get(holder) ?? 0) + 1);
  }
  const others = processes.filter((p) => p !== me);
  const room = others.reduce((sum, p) => sum + Math.max(0, share - (count.get(p) ?? 0)), 0);
  const mine = runners.filter((r) => holders.get(r) === me);
  const free = runners.filter((r) => !holders.has(r));
  const surplus = surplusOf(mine.length, share, floor, room, others.some((p) => (count.get(p) ?? 0) < floor));
  if (surplus > 0) return { release: byAffinity(me, mine).reverse().slice(0, surplus), claim: [], take: 0 };
  const wanted = room > 0 ? Math.max(0, share - mine.length) : free.length;
  return { release: [], claim: byAffinity(me, free), take: Math.min(wanted, free.length) };
};

/**
 * Above the share while others have room: down to the share. At or below it but above the
 * floor while another process holds less than the floor (12 runners on 5 processes: 3, 3, 3,
 * 3, 0 becomes 3, 2, 2, 2, 3): one at a time.
 */
const surplusOf = (mine: number, share: number, floor: number, room: number, starving: boolean): number => {
  if (mine > share && room > 0) return Math.min(mine - share, room);
  return mine > floor && starving ? 1 : 0;
};

/** Most wanted first: a stable hash of process and runner (FNV-1a), so each process wants its own. */
export const byAffinity = (me: string, runners: readonly string[]): string[] =>
  runners
    .map((runner) => ({ runner, weight: fnv1a(`${me}\u0000${runner}`) }))
    .sort((a, b) => b.weight - a.weight || (a.runner < b.runner ? -1 : 1))
    .map(({ runner }) => runner);

const fnv1a = (text: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
};
