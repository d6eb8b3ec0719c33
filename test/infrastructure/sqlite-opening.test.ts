import Database from 'better-sqlite3';
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { whileBusy } from '../../src/infrastructure/sqlite-write-lock.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * Processes of one DATA_DIR starting together open the same files at the same moment; SQLite
 * answers some steps of opening (a change of journal mode) with SQLITE_BUSY at once. Opening
 * tries such a step again for a while rather than stop the process (whileBusy).
 */
describe('Opening a SQLite file another process holds', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  const busy = () => Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

  it('tries a busy step again until it goes through', () => {
    let calls = 0;
    const result = whileBusy(() => {
      calls += 1;
      if (calls < 3) throw busy();
      return 'opened';
    }, 2_000);
    expect(result).to.equal('opened');
    expect(calls).to.equal(3);
  });

  it('throws any other error at once, and SQLITE_BUSY once it has waited maxWaitMs', () => {
    let calls = 0;
    const other = () => {
      calls += 1;
      throw new Error('disk I/O error');
    };
    expect(other).to.throw('disk I/O error');
    expect(() => whileBusy(other)).to.throw('disk I/O error');
    expect(calls).to.equal(2);
    const started = Date.now();
    expect(() => whileBusy(() => {
      throw busy();
    }, 60)).to.throw('database is locked');
    expect(Date.now() - started).to.be.at.least(60);
  });

  it('switches a file to WAL once another process has let go of its exclusive lock', async () => {
    const path = join(dir.path, 'shared.db');
    const setup = new Database(path);
    setup.exec('CREATE TABLE t (x)');
    setup.close();
    // Another process takes the file's exclusive lock (rollback journal) and holds it for 300 ms.
    const holder = spawn(
      process.execPath,
      ['-e', `const D=require('better-sqlite3');const db=new D(${JSON.stringify(path)});db.exec('BEGIN EXCLUSIVE');console.log('locked');setTimeout(()=>{db.exec('COMMIT');db.close();},300);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve) => holder.stdout!.once('data', () => resolve()));
    const db = new Database(path);
    db.pragma('busy_timeout = 0');
    expect(() => db.pragma('journal_mode = WAL'), 'without trying again').to.throw().with.property('code').that.matches(/^SQLITE_BUSY/);
    expect(whileBusy(() => db.pragma('journal_mode = WAL', { simple: true }), 5_000)).to.equal('wal');
    db.close();
    await new Promise((resolve) => holder.once('exit', resolve));
  });
});
