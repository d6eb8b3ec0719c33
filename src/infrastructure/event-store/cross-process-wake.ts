import { CommitBell } from '../commit-bell.js';
import type { Signal } from '../signal.js';

export type CrossProcessWakeOptions = {
  /** The database file: the bell is `<path>-wake` beside it. */
  path: string;
  /** Ring and listen to the bell; false leaves other processes' appends to the poll. */
  bell: boolean;
  /** The fallback poll's period; by default 1000 ms while the bell is heard here, 100 ms until then. */
  pollMs: number | undefined;
};

/**
 * Wakes the subscribers of one embedded event store when another process (any other
 * connection to the file) appends: at once through the commit bell (see CommitBell), and
 * through a poll of SQLite's `data_version` while anyone waits, which catches whatever the
 * bell misses (a writer killed between its commit and its ring, a deleted bell file, a
 * file system that does not report writes) one period later at worst.
 */
export class CrossProcessWake {
  private readonly bell: CommitBell | undefined;
  private poller: NodeJS.Timeout | undefined;
  private closed = false;
  private dataVersion: number;

  constructor(
    private readonly options: CrossProcessWakeOptions,
    private readonly deps: {
      /** `PRAGMA data_version` of the store's connection: it changes when another connection commits. */
      dataVersion: () => number;
      /** What the subscribers wait on. */
      appended: Signal;
      /** Another process may have committed: whatever the store knows of the file, it must look at it again. */
      changedElsewhere: () => void;
    },
  ) {
    this.dataVersion = deps.dataVersion();
    if (options.bell) this.bell = new CommitBell(`${options.path}-wake`, () => this.rang());
  }

  /** After a commit of this process: tells the others. */
  committed(): void {
    this.bell?.ring();
  }

  /** A subscriber is about to wait: make sure the fallback poll runs. */
  waiting(): void {
    if (this.poller || this.closed) return;
    this.poller = setTimeout(() => this.tick(), this.period()).unref();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.poller);
    this.bell?.close();
  }

  /**
   * Wakes the waiting subscribers when another connection committed since they were last
   * woken. Waking is remembered only when there is someone to wake: a subscriber that was
   * busy reads the file before it waits again, so it sees whatever came meanwhile.
   */
  private look(): void {
    if (this.closed || this.deps.appended.waiting === 0) return;
    const version = this.deps.dataVersion();
    if (version === this.dataVersion) return;
    this.dataVersion = version;
    this.deps.changedElsewhere();
    this.deps.appended.notify();
  }

  /** Even when no one waits: a subscriber busy now reads next, and must not trust what it read before this commit. */
  private rang(): void {
    this.deps.changedElsewhere();
    this.look();
  }

  private tick(): void {
    if (this.closed) return;
    if (this.deps.appended.waiting > 0) {
      this.bell?.check();
      this.look();
    }
    this.poller = setTimeout(() => this.tick(), this.period()).unref();
  }

  private period(): number {
    return this.options.pollMs ?? (this.bell?.heard ? 1000 : 100);
  }
}
