import { closeSync, constants, fchmodSync, fstatSync, openSync, statSync, watch, writeSync, type FSWatcher } from 'node:fs';

/**
 * A bell beside a SQLite file: every process that commits to the file rings it, and every
 * process that has the file open listens to it. Ringing writes one byte into a small file
 * (`<database>-wake`); the kernel tells every watcher of that file at once: inotify on
 * Linux, kqueue on macOS (fs.watch of a file; FSEvents, which batches, is only used for
 * directories). A ring is only a hint to look at the database again (`data_version`):
 * nothing is carried by it, so rings that the kernel merges, or a ring that is lost, cost
 * at most the fallback poll of whoever relies on it.
 *
 * Why not the `-wal` file itself: SQLite writes a commit's frames before it publishes the
 * commit in the shared index (`-shm`, through mmap, which no watcher sees), so a watcher
 * woken by the last frame can look before the commit is visible and hear nothing more.
 * The bell is rung after the commit returns. Why not a socket among the processes: it
 * needs a registry of peers and cleans up after the dead, and a socket's path is limited
 * to 104 bytes on macOS, shorter than many a DATA_DIR under /var/folders.
 *
 * A file deleted or replaced under the bell is noticed by `check()` (the fallback poll
 * calls it), which opens and watches the one now at the path.
 */
export class CommitBell {
  private fd: number | undefined;
  private watcher: FSWatcher | undefined;
  private inode: number | undefined;
  private closed = false;
  /** Whether the watch has delivered anything since the bell was (re)opened: our own first ring proves it works here. */
  private everHeard = false;

  /** `listen` false: a bell that only rings (the event store's commit thread, whose store listens). */
  constructor(
    private readonly path: string,
    private readonly onRing: () => void,
    private readonly listen = true,
  ) {
    this.open();
  }

  /**
   * Tells every listener, in every process, to look at the database again. Never throws: the
   * poll covers a failed ring. Rings the file now at the path: one deleted or replaced under
   * the bell is looked for at every ring, not only at a check, which only a process with a
   * subscriber waiting makes; the others listen to the file now there. The file rung is the
   * one at the path while it has a link (a deletion, or a file renamed over it, takes its last):
   * asked of the open descriptor (fstat), which costs no lookup of the path. Every commit of
   * the log rings: a stat of the path took 1% of the event loop at 120 orders a second.
   */
  ring(): void {
    if (this.closed) return;
    if (this.fd === undefined || !linked(this.fd)) this.check(); // opening rings
    else this.strike();
  }

  private strike(): void {
    if (this.fd === undefined) return;
    try {
      writeSync(this.fd, BYTE, 0, 1, 0);
    } catch {
      // A full disk or a file taken away: the listeners' fallback poll finds the commit.
    }
  }

  /** Whether rings reach this process (its own first ring came back): until then, rely on polling. */
  get heard(): boolean {
    return this.everHeard && this.watcher !== undefined;
  }

  /** Opens the bell again when the file at its path is not the one rung and listened to (deleted, replaced, never opened). */
  check(): void {
    if (this.closed) return;
    if ((this.watcher || !this.listen) && this.fd !== undefined && inodeAt(this.path) === this.inode) return;
    this.shut();
    this.open();
  }

  close(): void {
    this.closed = true;
    this.shut();
  }

  private open(): void {
    try {
      // Not O_APPEND: every ring writes the same byte at offset 0, so the file stays one byte long.
      this.fd = openSync(this.path, constants.O_RDWR | constants.O_CREAT, PRIVATE_FILE);
      const stat = fstatSync(this.fd);
      if ((stat.mode & 0o777) !== PRIVATE_FILE) fchmodSync(this.fd, PRIVATE_FILE);
      this.inode = stat.ino;
    } catch {
      this.shut();
      return;
    }
    this.everHeard = false;
    // A bell that only rings rings the file it opened too: a ring that found the file replaced (see ring) would be lost.
    if (!this.listen) {
      this.strike();
      return;
    }
    try {
      this.watcher = watch(this.path, { persistent: false }, (event) => this.heardRing(event));
      this.watcher.on('error', () => this.stopListening());
    } catch {
      // Out of inotify watches, or a file system without notifications: ring for the others, poll for ourselves.
      this.watcher = undefined;
    }
    this.strike();
  }

  private heardRing(event: string): void {
    if (this.closed) return;
    this.everHeard = true;
    // Moved or deleted (kqueue says so at once; inotify says so for a move, and for a deletion only once no
    // process has the file open): the bell is elsewhere now. A deletion inotify does not report waits for check().
    if (event === 'rename') this.check();
    this.onRing();
  }

  private stopListening(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  private shut(): void {
    this.stopListening();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const BYTE = Buffer.from([1]);
const PRIVATE_FILE = 0o600;

/** Whether the open file still has a name (a link): false once deleted, or replaced by a rename. */
const linked = (fd: number): boolean => {
  try {
    return fstatSync(fd).nlink > 0;
  } catch {
    return false;
  }
};

const inodeAt = (path: string): number | undefined => {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
};
