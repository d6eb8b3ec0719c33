import { StagingUndo, type Staging } from './embedded-staging.js';

/** A write waiting for its group: what stages it, and its caller's promise. */
export type GroupedWrite = {
  stageAll: (staging: never) => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
};

/** What one write of a group came to: what its stageAll returned, or what it threw. */
export type Outcome = { ok: unknown } | { failed: unknown };

/**
 * Group commit for the embedded read-model store's writes. After a commit of the log, the
 * projection runner, the process managers and the answers' read-your-writes positions each
 * write in the same few microseconds; as a transaction each, they paid a BEGIN, a COMMIT and
 * the WAL frames of the pages they share (checkpoints, leases) once per write. Here the
 * writes asked for in one callback and the microtasks it leads to are committed together,
 * on the next tick: a tick comes after the whole microtask queue, not after a turn of the
 * event loop, which would first take the requests that arrived meanwhile. A write then waits
 * for the others of its group only, which were all ready to go.
 *
 * `commitGroup` commits a group as one transaction, each write seeing those before it (see
 * stageGroup), and tells what each write came to; it rejects when the transaction failed as a
 * whole (the disk, or the only write of a group), and then every write of the group fails.
 * Groups are committed in the order they were formed; flush() ends the one being formed, for
 * what must come after its writes (a drop, a load from the loader thread, a close).
 */
export class WriteGroups {
  private forming: GroupedWrite[] | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly commitGroup: (group: readonly GroupedWrite[]) => Promise<Outcome[]>) {}

  /** A write for the group being formed; resolves with what its stageAll returned, once committed. */
  add<R>(stageAll: (staging: never) => R): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (!this.forming) {
        this.forming = [];
        process.nextTick(() => void this.flush());
      }
      this.forming.push(grouped(stageAll, resolve, reject));
    });
  }

  /**
   * A write committed in a group of its own, after the group being formed: one whose stageAll
   * does more than stage (it writes by SQL, or changes what is held in memory) and must see
   * only committed documents (an index being added).
   */
  alone<R>(stageAll: (staging: never) => R): Promise<R> {
    void this.flush();
    return new Promise<R>((resolve, reject) => {
      this.last = this.commit([grouped(stageAll, resolve, reject)]);
    });
  }

  /** Commits the group being formed now; resolves once it (and every group before it) is committed. */
  flush(): Promise<void> {
    const group = this.forming;
    this.forming = undefined;
    if (group) this.last = this.commit(group);
    return this.last;
  }

  /** Commits a group and answers each of its writes; never rejects. */
  private async commit(group: readonly GroupedWrite[]): Promise<void> {
    let outcomes: Outcome[];
    try {
      outcomes = await this.commitGroup(group);
    } catch (error) {
      // Nothing of the group was written or shown.
      for (const write of group) write.reject(error);
      return;
    }
    outcomes.forEach((outcome, i) => ('failed' in outcome ? group[i]!.reject(outcome.failed) : group[i]!.resolve(outcome.ok)));
  }
}

const grouped = <R>(stageAll: (staging: never) => R, resolve: (result: R) => void, reject: (error: unknown) => void): GroupedWrite => ({
  stageAll,
  resolve: resolve as (result: unknown) => void,
  reject,
});

/**
 * Stages a group's writes, in order, into one staging: each over what the writes before it
 * staged (it sees them as it would have seen them committed). In a group of several, a write
 * that throws has what it staged taken back (`view.undo` records it) and fails alone; a group's
 * writes only stage (one that writes by SQL itself runs alone: WriteGroups.alone). The only
 * write of a group that throws fails the transaction.
 */
export const stageGroup = (group: readonly GroupedWrite[], staging: Staging, view: { undo: StagingUndo | undefined }): Outcome[] => {
  if (group.length === 1) return [{ ok: group[0]!.stageAll(staging as never) }];
  return group.map((write) => {
    const undo = new StagingUndo();
    view.undo = undo;
    try {
      return { ok: write.stageAll(staging as never) };
    } catch (error) {
      undo.undo();
      return { failed: error };
    } finally {
      view.undo = undefined;
    }
  });
};
