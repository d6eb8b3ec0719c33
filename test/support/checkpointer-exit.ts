import Database from 'better-sqlite3';
import { WalCheckpointer } from '../../src/infrastructure/wal/wal-checkpointer.js';

/**
 * A process that checkpoints a WAL and then has nothing left to do but what the
 * checkpointer keeps alive; it never closes the checkpointer (see wal-checkpointer.test.ts).
 * `idle`: one checkpoint, done; the process must then exit on its own.
 * `held`: the second checkpoint holds the writes; the process must stay until they are let go.
 * Prints what happened, one line each.
 */
const [path, mode] = process.argv.slice(2) as [string, 'idle' | 'held'];
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('wal_autocheckpoint = 0');
db.exec('CREATE TABLE t (v TEXT)');
const checkpointer = new WalCheckpointer({
  path,
  synchronous: 'NORMAL',
  delayMs: 1,
  failed: (error) => console.log(`failed: ${error.message}`),
  ...(mode === 'held' ? { restart: { afterFrames: 1, hold: async () => console.log('held'), release: () => console.log('released') } } : {}),
});
db.prepare('INSERT INTO t (v) VALUES (?)').run('x'.repeat(500));
checkpointer.committed();
// Kept alive by this poll until the checkpoint is done (idle) or the writes are held (held); then by nothing of its own.
const poll = setInterval(() => {
  if (mode === 'idle' ? checkpointer.checkpoints >= 1 : checkpointer.held >= 1) {
    clearInterval(poll);
    if (mode === 'idle') console.log(`checkpoints: ${checkpointer.checkpoints}`);
  }
}, 1);
