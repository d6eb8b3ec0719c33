import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { inImmediateTransaction } from '../sqlite-transaction.js';
import type { WriteLockQueue } from '../sqlite-write-lock.js';
import type { EmbeddedMemory } from './embedded-memory.js';
import type { Replacement, WarmedBeforeSwap } from './read-model-store.js';

/** How often a process looks for a rebuild asking it to load a collection before its swap. */
export const WARM_POLL_MS = 250;

/** A collection last scanned by a query longer ago than this is not loaded at a start (an admin's one-off list). */
export const WARM_QUERIED_WITHIN_MS = 24 * 3600_000;

/** How often a process notes, per collection, that queries still scan it. */
const NOTE_QUERIED_EVERY_MS = 10 * 60_000;

/** How often a rebuild waiting for the holders looks again. */
const WAIT_STEP_MS = 50;

/**
 * The embedded store loads a collection in memory at its first query (in slices, the event loop
 * serving others meanwhile; see loadForQuery): 4 s for the search's 50,000 products on an idle
 * machine, 8-19 s under traffic, and every query of it waits. Two moments asked for it where
 * nothing had to: the first search after a start, and each process's first search after a
 * rebuild's swap (the rebuilt collection is a new one, held by nobody). This loads them ahead:
 *
 * - **At start** (warmUp, called by the server once it listens): the collections queries of any
 *   process scanned in the last day (`held_collections` in the file, each process noting a
 *   collection its queries scan every 10 minutes at most), one after the other.
 * - **Before a rebuild's swap** (beforeSwap, called by the rebuild once its collections are
 *   complete and written no more): the rebuild names each new collection beside the one it
 *   replaces (`warm_requests`); every live process that holds the old one in memory (`holders`,
 *   its pid alive on this host) sees it within WARM_POLL_MS and loads the new one, and the
 *   rebuild swaps once they all hold it, or after a bound: the swap is never held up for long by
 *   a process that does not answer.
 *
 * A process holds a collection once its memory loaded it (see EmbeddedMemory.onLoaded); it lets
 * go of its `holders` rows as its store closes (a killed process's rows are passed over, its pid
 * dead, and removed at the next start), and the file's triggers remove a dropped or renamed
 * collection's rows. None of it is needed for answers to be right: a collection not warmed is
 * loaded at its first query, as before.
 */
export class WarmUps {
  /** This store's name in `holders`: a store of its own per connection (tests open several in one process). */
  private readonly holder = randomUUID();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly warming = new Map<string, Promise<boolean>>();
  /** When this store last noted that queries scan a collection. */
  private readonly noted = new Map<string, number>();
  private closed = false;
  private readonly sql: ReturnType<typeof statements>;

  constructor(
    private readonly db: Database.Database,
    private readonly lock: WriteLockQueue,
    private readonly memory: EmbeddedMemory,
    private readonly committed: () => void,
    pollMs = WARM_POLL_MS,
  ) {
    this.sql = statements(db);
    memory.onLoaded = (name) => queueMicrotask(() => void this.hold(name).catch(() => undefined));
    memory.onQueried = (name) => this.queried(name);
    this.timer = pollMs > 0 ? setInterval(() => this.answerRequests(), pollMs).unref() : undefined;
  }

  /** At start: loads, one after the other, what processes held before; resolves with the collections loaded. */
  async warmUp(): Promise<string[]> {
    const names = this.sql.held.all(Date.now() - WARM_QUERIED_WITHIN_MS);
    const dead = this.sql.holderPids.all().filter((pid) => !alive(pid));
    if (dead.length > 0) await this.write(() => dead.forEach((pid) => this.sql.forgetPid.run(pid)));
    const warmed: string[] = [];
    try {
      for (const name of names) if (!this.closed && (await this.warm(name))) warmed.push(name);
    } catch (error) {
      if (!this.closed) throw error; // the store closed under it: the process is stopping
    }
    return warmed;
  }

  /**
   * Before a swap: asks every process holding a replaced collection to load its replacement
   * (this one too), and resolves once they all hold it, or after `waitMs`, with how many did not.
   */
  async beforeSwap(replacements: readonly Replacement[], waitMs: number): Promise<WarmedBeforeSwap> {
    const replaced = replacements.filter(({ previous, next }) => previous !== next);
    if (replaced.length === 0) return { holders: 0, late: 0 };
    await this.write(() => replaced.forEach(({ previous, next }) => this.sql.request.run(next, previous)));
    // Only where both collections are (a rebuild that wrote no document has no collection to load).
    const asked = replaced.filter(({ previous, next }) => this.sql.requested.get(next) === previous);
    await Promise.all(asked.filter(({ previous }) => this.sql.isHolder.get(previous, this.holder)).map(({ next }) => this.warm(next)));
    const deadline = Date.now() + waitMs;
    for (;;) {
      const { holders, late } = this.lateHolders(asked);
      if (late === 0 || Date.now() >= deadline || this.closed) return { holders, late };
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** Lets go of this store's `holders` rows (it holds nothing once closed); `held_collections` stays, for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.write(() => this.sql.letGo.run(this.holder)).catch(() => undefined);
  }

  /** Loads `name` in memory (in slices, shared with the queries that come meanwhile) and says so in the file. */
  private warm(name: string): Promise<boolean> {
    let warming = this.warming.get(name);
    if (!warming) {
      warming = (async () => {
        const held = await this.memory.warm(name);
        if (held) await this.hold(name);
        return held;
      })().finally(() => this.warming.delete(name));
      this.warming.set(name, warming);
    }
    return warming;
  }

  /** The requests of rebuilds for collections this store holds the previous of and not yet the next. */
  private answerRequests(): void {
    if (this.closed || this.memory.cache.size === 0) return;
    let asked: string[];
    try {
      asked = this.sql.askedOf.all(this.holder, this.holder);
    } catch {
      return; // the file busy or closing: the next look
    }
    for (const name of asked) void this.warm(name).catch(() => undefined);
  }

  private lateHolders(asked: readonly Replacement[]): { holders: number; late: number } {
    let holders = 0;
    let late = 0;
    for (const { previous, next } of asked) {
      const ready = new Set(this.sql.holdersOf.all(next).map((row) => row.holder));
      for (const row of this.sql.holdersOf.all(previous)) {
        if (!alive(row.pid)) continue;
        holders += 1;
        if (!ready.has(row.holder)) late += 1;
      }
    }
    return { holders, late };
  }

  /** Notes that this store holds `name` in memory (for a rebuild's swap). */
  private async hold(name: string): Promise<void> {
    if (this.closed || this.sql.isHolder.get(name, this.holder)) return;
    await this.write(() => this.sql.holds.run(this.holder, process.pid, name));
  }

  /** A query scanned `name`: noted in the file (for the next start), every NOTE_QUERIED_EVERY_MS at most. */
  private queried(name: string): void {
    const now = Date.now();
    if (this.closed || now - (this.noted.get(name) ?? -Infinity) < NOTE_QUERIED_EVERY_MS) return;
    this.noted.set(name, now);
    queueMicrotask(() => void this.write(() => this.sql.markQueried.run(now, name)).catch(() => this.noted.delete(name)));
  }

  private async write(body: () => void): Promise<void> {
    if (!this.db.open) return;
    await this.lock.run(() => inImmediateTransaction(this.db, body));
    this.committed();
  }
}

/** Whether the process `pid` of this host is alive (EPERM: alive, another user's). */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const statements = (db: Database.Database) => ({
  held: db.prepare<[number], string>('SELECT collection FROM held_collections WHERE queried_at >= ? AND collection IN (SELECT name FROM collections) ORDER BY collection').pluck(),
  // Rows of collections there are only: the triggers remove them with their collection.
  markQueried: db.prepare<[number, string]>(
    'INSERT INTO held_collections (collection, queried_at) SELECT name, ? FROM collections WHERE name = ? ON CONFLICT (collection) DO UPDATE SET queried_at = max(queried_at, excluded.queried_at)',
  ),
  holds: db.prepare<[string, number, string]>('INSERT OR REPLACE INTO holders (collection, holder, pid) SELECT name, ?, ? FROM collections WHERE name = ?'),
  isHolder: db.prepare<[string, string], number>('SELECT 1 FROM holders WHERE collection = ? AND holder = ?').pluck(),
  holdersOf: db.prepare<[string], { holder: string; pid: number }>('SELECT holder, pid FROM holders WHERE collection = ?'),
  holderPids: db.prepare<[], number>('SELECT DISTINCT pid FROM holders').pluck(),
  forgetPid: db.prepare<[number]>('DELETE FROM holders WHERE pid = ?'),
  letGo: db.prepare<[string]>('DELETE FROM holders WHERE holder = ?'),
  request: db.prepare<[string, string]>(
    'INSERT OR REPLACE INTO warm_requests (collection, previous) SELECT c.name, p.name FROM collections c, collections p WHERE c.name = ? AND p.name = ?',
  ),
  requested: db.prepare<[string], string>('SELECT previous FROM warm_requests WHERE collection = ?').pluck(),
  askedOf: db
    .prepare<[string, string], string>(
      `SELECT r.collection FROM warm_requests r JOIN holders h ON h.collection = r.previous AND h.holder = ?
       WHERE NOT EXISTS (SELECT 1 FROM holders n WHERE n.collection = r.collection AND n.holder = ?)`,
    )
    .pluck(),
});
