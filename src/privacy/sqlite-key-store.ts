import Database from 'better-sqlite3';
import { narrowDatabaseFile, privateDatabaseFile } from '../infrastructure/private-files.js';
import { BUSY_SLICE_MS, DEFAULT_LOCK_WAIT_MS, WriteLockQueue, whileBusy } from '../infrastructure/sqlite-write-lock.js';
import type { KeyState, KeyStore } from './key-store.js';
import { newDataKey } from './sealing.js';
import { CallbackCheck } from '../infrastructure/callback-check.js';
import { inImmediateTransaction } from '../infrastructure/sqlite-transaction.js';
import { refuseForeignFile } from '../infrastructure/foreign-file.js';

/**
 * The embedded key store: `keys.db` in DATA_DIR, a file of its own (0600) apart from the
 * log, shared by every process of the DATA_DIR. Durable (WAL, synchronous=FULL): a key
 * that sealed an appended value must never be lost. `secure_delete` zeroes a destroyed
 * key's bytes in the database file, and a TRUNCATE checkpoint after each destruction
 * empties the WAL, so no copy of the key stays in the store's files.
 * A key destroyed by another process is gone for this one at once: the live keys read lately
 * are kept (copies, `LIVE_KEYS` at most) only while the count of destructions is the one they
 * were read under, and a read looks at that count first (PRAGMA data_version, then the count
 * itself only when another connection committed), once per callback of the event loop: news
 * of another process's destruction reaches this one only by I/O, a callback of its own (see
 * CallbackCheck). A destruction through any store of this process is looked for at once. A destruction writes its tombstone
 * and the count in one transaction, so no read after it can take a cached key for live. A
 * cleared or evicted copy is zeroed first.
 */

const SCHEMA = `CREATE TABLE IF NOT EXISTS data_keys (
  id TEXT PRIMARY KEY,
  key BLOB,
  created_at TEXT NOT NULL,
  destroyed_at TEXT
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS data_key_destructions (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  count INTEGER NOT NULL
)`;

type Row = { id: string; key: Buffer | null; destroyed_at: string | null };

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;
  private readonly writes = new WriteLockQueue();
  private readonly select: Database.Statement<[string], Row>;
  private readonly selectOne: Database.Statement<[string], Row>;
  private readonly insert: Database.Statement<[string, Buffer, string]>;
  private readonly tombstone: Database.Statement<[{ id: string; at: string }]>;
  private readonly countDestruction: Database.Statement<[]>;
  private readonly destructionCount: Database.Statement<[], number | undefined>;
  private readonly dataVersion: Database.Statement<[], number>;
  /** The count last read, and the file's data_version then: another connection's commit changes it, ours does not. */
  private known: { count: number; version: number } | undefined;
  private readonly check = new CallbackCheck();
  /** Destructions through this process's stores, when `known` was read. */
  private destructionsSeen = 0;
  private static destructionsInProcess = 0;
  /** Copies of live keys read lately, valid under the count of destructions `liveUnder`. */
  private readonly live = new Map<string, Buffer>();
  private liveUnder = -1;

  constructor(path: string) {
    privateDatabaseFile(path);
    this.db = new Database(path);
    this.db.pragma(`busy_timeout = ${DEFAULT_LOCK_WAIT_MS}`);
    whileBusy(() => {
      // Before anything is written to it (WAL mode changes its header): another program's file is left as it was.
      refuseForeignFile(this.db, { data_keys: ['id', 'key', 'created_at', 'destroyed_at'], data_key_destructions: ['id', 'count'] });
      narrowDatabaseFile(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = FULL');
      this.db.pragma('secure_delete = ON');
      this.db.exec(SCHEMA);
    });
    this.db.pragma(`busy_timeout = ${BUSY_SLICE_MS}`);
    this.select = this.db.prepare('SELECT id, key, destroyed_at FROM data_keys WHERE id IN (SELECT value FROM json_each(?))');
    this.selectOne = this.db.prepare('SELECT id, key, destroyed_at FROM data_keys WHERE id = ?');
    this.insert = this.db.prepare('INSERT INTO data_keys (id, key, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING');
    this.tombstone = this.db.prepare(
      `INSERT INTO data_keys (id, key, created_at, destroyed_at) VALUES (@id, NULL, @at, @at)
       ON CONFLICT (id) DO UPDATE SET key = NULL, destroyed_at = coalesce(destroyed_at, excluded.destroyed_at)`,
    );
    this.countDestruction = this.db.prepare('INSERT INTO data_key_destructions (id, count) VALUES (0, 1) ON CONFLICT (id) DO UPDATE SET count = count + 1');
    this.destructionCount = this.db.prepare<[], number | undefined>('SELECT count FROM data_key_destructions WHERE id = 0').pluck();
    this.dataVersion = this.db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  async keys(ids: readonly string[], options: { create?: boolean } = {}): Promise<Map<string, KeyState>> {
    let states = this.read(ids);
    const missing = ids.filter((id) => !states.has(id));
    if (options.create && missing.length > 0) {
      const now = new Date().toISOString();
      await this.writes.run(() => inImmediateTransaction(this.db, () => missing.forEach((id) => this.insert.run(id, newDataKey(), now))));
      states = this.read(ids);
    }
    return states;
  }

  async destroy(id: string, at: string): Promise<void> {
    await this.writes.run(() =>
      inImmediateTransaction(this.db, () => {
        this.tombstone.run({ id, at });
        this.countDestruction.run();
        // In the same synchronous run as the commit: no read of this process comes between them.
        this.known = undefined;
        SqliteKeyStore.destructionsInProcess += 1;
        this.forgetLive();
      }),
    );
    await this.checkpoint();
  }

  async destructions(): Promise<number> {
    return this.countNow();
  }

  /**
   * Read again only when the file changed since (PRAGMA data_version: 5 µs idle, up to 16 µs
   * under load), looked at once per callback: every command asks, a dozen times an order.
   */
  private countNow(): number {
    if (this.known && this.check.holds && this.destructionsSeen === SqliteKeyStore.destructionsInProcess) return this.known.count;
    this.check.look();
    this.destructionsSeen = SqliteKeyStore.destructionsInProcess;
    const version = this.dataVersion.get()!;
    if (this.known?.version === version) return this.known.count;
    const count = this.destructionCount.get() ?? 0;
    this.known = { count, version };
    return count;
  }

  /** Empties the WAL into the file (whose freed bytes secure_delete zeroed); waits for readers of other processes a while. */
  private async checkpoint(): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (result && result.busy === 0) return;
      if (attempt >= 200) throw new Error('keys.db: the WAL could not be emptied after a key was destroyed (another process keeps reading)');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  async close(): Promise<void> {
    this.forgetLive();
    if (this.db.open) this.db.close();
  }

  private read(ids: readonly string[]): Map<string, KeyState> {
    const count = this.countNow();
    if (count !== this.liveUnder) {
      this.forgetLive();
      this.liveUnder = count;
    }
    const states = new Map<string, KeyState>();
    const unknown: string[] = [];
    for (const id of ids) {
      const key = this.live.get(id);
      // A copy each time: what callers hold is theirs, and the cached copy can be zeroed.
      if (key) states.set(id, { key: Buffer.from(key) });
      else unknown.push(id);
    }
    if (unknown.length === 0) return states;
    for (const row of unknown.length === 1 ? this.selectOne.all(unknown[0]!) : this.select.all(JSON.stringify(unknown))) {
      if (!row.key) {
        states.set(row.id, { destroyedAt: row.destroyed_at ?? '' });
        continue;
      }
      states.set(row.id, { key: row.key });
      // Read under `count` or later: a destruction after the count was read changed it, and the next read drops this.
      this.remember(row.id, row.key);
    }
    return states;
  }

  private remember(id: string, key: Buffer): void {
    if (this.live.size >= LIVE_KEYS) {
      const [oldest, raw] = this.live.entries().next().value!;
      raw.fill(0);
      this.live.delete(oldest);
    }
    this.live.set(id, Buffer.from(key));
  }

  /** Zeroes and drops every cached key. */
  private forgetLive(): void {
    for (const raw of this.live.values()) raw.fill(0);
    this.live.clear();
  }
}

/** Live keys kept per process: 32 bytes each. */
const LIVE_KEYS = 10_000;
