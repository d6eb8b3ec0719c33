import Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { narrowDatabaseFile, privateDatabaseFile } from '../private-files.js';
import { whileBusy } from '../sqlite-write-lock.js';
import type { Limiter, LimitOptions, LimitStore } from './limit-store.js';
import { truncateWal } from '../wal/truncate-wal.js';
import { refuseForeignFile } from '../foreign-file.js';

/**
 * The limits of the embedded shop: one SQLite file in DATA_DIR (`limits.db`, 0600) that
 * every server process of the DATA_DIR opens, counted by rate-limiter-flexible's
 * RateLimiterSQLite. Each count is one `INSERT … ON CONFLICT DO UPDATE … RETURNING`
 * statement: SQLite takes the file's write lock before it reads the row, so counts from
 * several processes never overwrite each other (WAL; a writer waits up to busy_timeout).
 *
 * A file of its own, not the read models' file: a write there tells every process's
 * read-model cache to look again, which a count on every request would make constant.
 * `synchronous = NORMAL`: a count survives the process (a crash, a restart), and only an
 * operating-system crash may lose the last ones.
 */

const TABLE = 'rate_limits';
/** The table RateLimiterSQLite reads and writes (its own `CREATE TABLE`), created here so a limiter can count at once. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY, points INTEGER NOT NULL DEFAULT 0, expire INTEGER)`;
const PURGE_EVERY_MS = 5 * 60_000;

export class SqliteLimitStore implements LimitStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly purge: NodeJS.Timeout;

  constructor(path: string) {
    privateDatabaseFile(path);
    this.db = new Database(path);
    // Opening may wait for processes opening the file at the same moment: blocking is fine here.
    this.db.pragma('busy_timeout = 10000');
    whileBusy(() => {
      // Before anything is written to it (WAL mode changes its header): another program's file is left as it was.
      refuseForeignFile(this.db, { [TABLE]: ['key', 'points', 'expire'] });
      narrowDatabaseFile(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      // Deleted rows (a login throttle's account key) are overwritten with zeros, not left in free pages (issue 17).
      this.db.pragma('secure_delete = ON');
      this.db.exec(CREATE_TABLE);
    });
    // Other processes hold the lock for one statement: waiting long would only stall this event loop. One stopped
    // while it holds it stalls each request for this long at most; the fail-safe then counts in memory for a while.
    this.db.pragma('busy_timeout = 100');
    // Expired windows are dead rows (a count ignores them): dropped now and then, as a TTL index would.
    this.purge = setInterval(() => this.purgeExpired(), PURGE_EVERY_MS).unref();
  }

  limiter(options: LimitOptions): Limiter {
    return new RateLimiterSQLite({ ...options, storeClient: this.db, storeType: 'better-sqlite3', tableName: TABLE, tableCreated: true });
  }

  /** Drops the windows that ended before `now`; answers how many. A busy file is left for the next time. */
  purgeExpired(now = Date.now()): number {
    try {
      return this.db.prepare(`DELETE FROM ${TABLE} WHERE expire < ?`).run(now).changes;
    } catch {
      return 0;
    }
  }

  async truncateJournal(): Promise<void> {
    await truncateWal(this.db, 'limits.db');
  }

  async close(): Promise<void> {
    clearInterval(this.purge);
    this.db.close();
  }
}
