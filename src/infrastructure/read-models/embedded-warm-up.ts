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

/** How often a process renews its `holders` rows; past HOLDER_GONE_MS without, it is taken for gone (killed, frozen). */
const HOLDER_BEAT_MS = 5000;
export const HOLDER_GONE_MS = 15_000;

/** How often a rebuild waiting for the holders looks again. */
const WAIT_STEP_MS = 50;

/**
 * The embedded store loads a collection in memory at its first query (in slices, the event loop
 * serving others meanwhile; see QueryLoads): 4 s for the search's 50,000 products on an idle
 * machine, 8-19 s under traffic, and every query of it waits. Two moments asked for it where
 * nothing had to: the first search after a start, and each process's first search after a
 * rebuild's swap (the rebuilt collection is a new one, held by nobody). This loads them ahead:
 *
 * - **At start** (warmUp, called by the server once it listens): the collections queries of any
 *   process scanned in the last day (`held_collections` in the file, each process noting a
 *   collection its queries scan every 10 minutes at most), one after the other.
 * - **Before a rebuild's swap** (beforeSwap, called by the rebuild once its collections are
 *   complete): the rebuild names each new collection beside the one it replaces
 *   (`warm_requests`); every live process whose queries hold the old one in memory (`holders`)
 *   sees it within WARM_POLL_MS and loads the new one, and the rebuild goes on once they all
 *   hold it, or once `waitMs` has passed since it asked, its own load included.
 *
 * A store is a holder of a collection once its queries scanned it or it warmed it; it renews its
 * rows every HOLDER_BEAT_MS while it lives and lets go of them as it closes, and a row not renewed
 * for HOLDER_GONE_MS is passed over (a killed or frozen process: process ids are given again, in a
 * container the same one at every start) and removed at the next start. The file's triggers remove
 * a dropped or renamed collection's rows. None of it is needed for answers to be right: a
 * collection not warmed is loaded at its first query, as before.
 */
export class WarmUps {
  /** This store's name in `holders`: a store of its own per connection (tests open several in one process). */
  private readonly holder = randomUUID();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly warming = new Map<string, Promise<boolean>>();
  /** When this store last noted that queries scan a collection. */
  private readonly noted = new Map<string, number>();
  /** Whether this store has `holders` rows to renew, and when it last did. */
  private holds = false;
  private beatAt = 0;
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
    memory.onQueried = (name) => this.queried(name);
    this.timer = pollMs > 0 ? setInterval(() => this.tick(), pollMs).unref() : undefined;
  }

  /** At start: loads, one after the other, what queries scanned in the last day; resolves with the collections loaded. */
  async warmUp(): Promise<string[]> {
    const now = Date.now();
    const names = this.sql.held.all(now - WARM_QUERIED_WITHIN_MS);
    // Holders gone (killed) are gone for good: their rows go.
    await this.write(() => this.sql.forgetGone.run(now - HOLDER_GONE_MS));
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
   * (this one too), and resolves once they all hold it, or once `waitMs` has passed, with how
   * many did not.
   */
  async beforeSwap(replacements: readonly Replacement[], waitMs: number): Promise<WarmedBeforeSwap> {
    const deadline = Date.now() + waitMs;
    const replaced = replacements.filter(({ previous, next }) => previous !== next);
    if (replaced.length === 0) return { holders: 0, late: 0 };
    await this.write(() => replaced.forEach(({ previous, next }) => this.sql.request.run(next, previous)));
    // Only where both collections are (a rebuild that wrote no document has no collection to load).
    const asked = replaced.filter(({ previous, next }) => this.sql.requested.get(next) === previous);
    // Its own loads within the same bound: a rebuild in a serving process under traffic loaded for 8-28 s.
    const own = Promise.all(asked.filter(({ previous }) => this.sql.isHolder.get(previous, this.holder)).map(({ next }) => this.warm(next))).catch(() => undefined);
    await untilOr(own, deadline);
    for (;;) {
      const { holders, late } = this.lateHolders(asked);
      if (late === 0 || Date.now() >= deadline || this.closed) return { holders, late };
      await untilOr(undefined, Math.min(deadline, Date.now() + WAIT_STEP_MS));
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
        if (held && !this.closed) await this.write(() => this.sql.holds.run(this.holder, Date.now(), name));
        this.holds ||= held;
        return held;
      })().finally(() => this.warming.delete(name));
      this.warming.set(name, warming);
    }
    return warming;
  }

  private tick(): void {
    if (this.closed) return;
    try {
      this.answerRequests();
      if (this.holds && Date.now() - this.beatAt >= HOLDER_BEAT_MS) {
        this.beatAt = Date.now();
        void this.write(() => this.sql.beat.run(this.beatAt, this.holder)).catch(() => (this.beatAt = 0));
      }
    } catch {
      // The file busy or closing: the next tick.
    }
  }

  /** The requests of rebuilds for collections this store holds the previous of and not yet the next. */
  private answerRequests(): void {
    if (!this.holds) return;
    for (const name of this.sql.askedOf.all(this.holder, this.holder)) void this.warm(name).catch(() => undefined);
  }

  private lateHolders(asked: readonly Replacement[]): { holders: number; late: number } {
    const since = Date.now() - HOLDER_GONE_MS;
    let holders = 0;
    let late = 0;
    for (const { previous, next } of asked) {
      const ready = new Set(this.sql.holdersOf.all(next, since));
      for (const holder of this.sql.holdersOf.all(previous, since)) {
        holders += 1;
        if (!ready.has(holder)) late += 1;
      }
    }
    return { holders, late };
  }

  /**
   * A query scanned `name`: noted in the file, every NOTE_QUERIED_EVERY_MS at most (for the next
   * start), and this store a holder of it (for a rebuild's swap).
   */
  private queried(name: string): void {
    const now = Date.now();
    if (this.closed || now - (this.noted.get(name) ?? -Infinity) < NOTE_QUERIED_EVERY_MS) return;
    this.noted.set(name, now);
    this.holds = true;
    // After the query's own turn: it may be inside a write's transaction.
    queueMicrotask(() =>
      void this.write(() => {
        this.sql.markQueried.run(now, name);
        this.sql.holds.run(this.holder, now, name);
      }).catch(() => this.noted.delete(name)),
    );
  }

  private async write(body: () => void): Promise<void> {
    if (!this.db.open) return;
    await this.lock.run(() => inImmediateTransaction(this.db, body));
    this.committed();
  }
}

/**
 * Resolves when `promise` settles or at `deadline`, whichever comes first. The timer keeps the
 * process alive (a command-line rebuild waiting for the servers has nothing else pending: with
 * an unref'd timer its process ended there, exit code 0, its rebuild never swapped).
 */
const untilOr = async (promise: Promise<unknown> | undefined, deadline: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))));
  await (promise ? Promise.race([promise, late]) : late);
  clearTimeout(timer);
};

const statements = (db: Database.Database) => ({
  held: db.prepare<[number], string>('SELECT collection FROM held_collections WHERE queried_at >= ? AND collection IN (SELECT name FROM collections) ORDER BY collection').pluck(),
  // Rows of collections there are only: the triggers remove them with their collection.
  markQueried: db.prepare<[number, string]>(
    'INSERT INTO held_collections (collection, queried_at) SELECT name, ? FROM collections WHERE name = ? ON CONFLICT (collection) DO UPDATE SET queried_at = max(queried_at, excluded.queried_at)',
  ),
  holds: db.prepare<[string, number, string]>('INSERT OR REPLACE INTO holders (collection, holder, seen_at) SELECT name, ?, ? FROM collections WHERE name = ?'),
  beat: db.prepare<[number, string]>('UPDATE holders SET seen_at = ? WHERE holder = ?'),
  isHolder: db.prepare<[string, string], number>('SELECT 1 FROM holders WHERE collection = ? AND holder = ?').pluck(),
  holdersOf: db.prepare<[string, number], string>('SELECT holder FROM holders WHERE collection = ? AND seen_at >= ?').pluck(),
  forgetGone: db.prepare<[number]>('DELETE FROM holders WHERE seen_at < ?'),
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
