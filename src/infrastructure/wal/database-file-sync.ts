import { fdatasync, open, stat } from 'node:fs';
import { promisify } from 'node:util';

const statFile = promisify(stat);
const openFile = promisify(open);
const syncData = promisify(fdatasync);

/** A descriptor per file (device and inode) synced in this process's life, never closed: see syncDatabaseFile. */
const descriptors = new Map<string, Promise<number>>();

/**
 * Writes a SQLite database file's pages that are only in the page cache to the disk, from
 * libuv's thread pool (fdatasync: off the event loop, and with the store's writes going on).
 * It changes nothing SQLite relies on: the kernel writes those pages back of its own accord
 * sooner or later, and a checkpoint that copies the whole WAL still syncs the file itself
 * before the WAL may start over. What it saves is that checkpoint's sync finding them all at
 * once (see WalCheckpointer: the held checkpoint).
 *
 * The descriptor is opened once per file and kept for as long as the process runs. Closing a
 * descriptor of a file lets go of every POSIX lock the process holds on that file, whatever
 * descriptor took it, and the process's SQLite connections to it hold theirs (in WAL mode a
 * SHARED lock for as long as a connection is open: the connection that closes last, of all
 * processes, finds it can lock the file whole, checkpoints and removes the WAL). SQLite's own
 * descriptors close through its VFS, which keeps them open while a lock needs them; this one
 * would not. So: one descriptor per database file whose WAL started over under writes in this
 * process (the shop has two), none per store opened. A file replaced at the same path is
 * another inode, and gets a descriptor of its own.
 */
export const syncDatabaseFile = async (path: string): Promise<void> => {
  const { dev, ino } = await statFile(path);
  const key = `${dev}:${ino}`;
  let descriptor = descriptors.get(key);
  if (!descriptor) {
    descriptor = openFile(path, 'r');
    descriptors.set(key, descriptor);
    // A file that could not be opened is tried again next time.
    descriptor.catch(() => descriptors.delete(key));
  }
  await syncData(await descriptor);
};
