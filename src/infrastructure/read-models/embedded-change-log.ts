import type Database from 'better-sqlite3';

type Statements = {
  changesAfter: Database.Statement<[number, number], { seq: number; collection: string; id: string }>;
  firstChange: Database.Statement<[], number | null>;
  lastChange: Database.Statement<[], number | null>;
};

/** Rows read at most in one look at the log: past them, reading the documents again one by one costs more than reloading what is held. */
export const CHANGES_READ_AT_ONCE = 20_000;

/** The ids of the documents written or deleted, per collection. */
export type ChangedIds = Map<string, Set<string>>;

/**
 * Where one connection is in the read-model file's change log (see CHANGE_LOG in
 * embedded-statements.ts): the rows after it are the documents that other connections wrote
 * or deleted since this one last looked (its own commits move it past theirs, see
 * `caughtUp`). Call it inside a read or write transaction, with what it answers read in the
 * same one: the rows and the documents they name are then of one state of the file.
 */
export class ChangeFollower {
  private seq: number;

  constructor(private readonly sql: Statements) {
    this.seq = sql.lastChange.get() ?? 0;
  }

  /**
   * The documents changed since the last look, by collection; undefined when the log no longer
   * holds them all (its start trimmed past this position: a connection that did not look for
   * CHANGES_KEPT rows) or they are more than CHANGES_READ_AT_ONCE. Either way the position moves
   * to the log's end.
   */
  changedSince(): ChangedIds | undefined {
    const rows = this.sql.changesAfter.all(this.seq, CHANGES_READ_AT_ONCE + 1);
    if (rows.length === 0) return new Map();
    // Rows are numbered on without gaps (the newest is never trimmed): a first row after seq + 1 means rows were trimmed in between.
    const first = this.sql.firstChange.get() ?? 0;
    if (first > this.seq + 1 || rows.length > CHANGES_READ_AT_ONCE) {
      this.caughtUp();
      return undefined;
    }
    const changed: ChangedIds = new Map();
    for (const { collection, id } of rows) {
      let ids = changed.get(collection);
      if (!ids) changed.set(collection, (ids = new Set()));
      ids.add(id);
    }
    this.seq = rows[rows.length - 1]!.seq;
    return changed;
  }

  /** The log's last row now (0 when empty). */
  end(): number {
    return this.sql.lastChange.get() ?? 0;
  }

  /**
   * To `seq` without reading the rows up to it: after a commit of this connection (its
   * transaction's end, read inside it), every other connection's commit before it applied as
   * it began; or to the end when nothing held in memory is of the collections changed. Read
   * inside the transaction and set once it committed: rows of a transaction rolled back are
   * numbered again by the next.
   */
  caughtUp(seq = this.end()): void {
    if (seq > this.seq) this.seq = seq;
  }
}
