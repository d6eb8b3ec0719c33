import { expect } from 'chai';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/temp-dir.js';
import { storesFixture } from './stores-fixture.js';

/**
 * The key store beside the log, checked at every start (see stores-of-one-shop.test.ts for the
 * other stores): a key store lost, or restored from a backup older than the log (alone, or with
 * the read models), misses the keys of customers the log holds. Served, their accounts were
 * locked out and their emails free to register again; the shop refuses to start, naming it.
 */
describe('the key store, checked at start', function () {
  this.timeout(60_000);
  const f = storesFixture();

  it('refuses a log sealed with keys the key store has no trace of (keys.db lost), naming the key store; restored, the shop is as it was', async () => {
    await f.shop();
    const backup = join(f.dir().path, 'keys-backup.db');
    copyFileSync(join(f.dir().path, 'keys.db'), backup);
    for (const file of f.files('keys.db')) rmSync(file, { force: true });
    const message = await f.refused();
    expect(message).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/).and.match(/keys\.db/);
    // The refused start changed nothing: with the key store back, the customers sign in and their emails stay taken.
    for (const file of f.files('keys.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(f.dir().path, 'keys.db'));
    await f.start();
    const login = await fetch(`${f.url()}/api/v1/account/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'kept-0@test.local', password: 'correct-horse' }) });
    expect(login.status).to.equal(200);
    const again = await fetch(`${f.url()}/api/v1/account/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'kept-1@test.local', password: 'correct-horse', name: 'Twice' }) });
    expect(again.status).to.equal(409);
  });

  it('refuses a lost keys.db whatever the log ends with: the customers the read models know have no key', async () => {
    await f.shop();
    await f.receipts();
    for (const file of f.files('keys.db')) rmSync(file, { force: true });
    expect(await f.refused()).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/);
  });

  it('refuses a lost keys.db with the read models removed too (nothing left that knows the customers but the log), whatever the log ends with', async () => {
    await f.shop();
    await f.receipts();
    for (const file of [...f.files('keys.db'), ...f.files('read-models.db')]) rmSync(file, { force: true });
    expect(await f.refused()).to.match(/cannot start: the event log holds personal data sealed with \d+ key\(s\) the key store has no trace of/);
  });

  it('refuses a keys.db restored from a backup older than the log: a customer registered since has no key, whatever the log ends with', async () => {
    await f.shop();
    const backup = join(f.dir().path, 'keys-backup.db');
    copyFileSync(join(f.dir().path, 'keys.db'), backup);
    await f.start();
    // Customers registered after the backup (among them, ids anywhere in the order of ids).
    for (let i = 0; i < 5; i += 1) await f.register(`later-${i}@test.local`);
    await f.ready();
    await f.stop();
    await f.receipts();
    for (const file of f.files('keys.db')) rmSync(file, { force: true });
    copyFileSync(backup, join(f.dir().path, 'keys.db'));
    const message = await f.refused();
    expect(message).to.match(/cannot start: the event log holds personal data sealed with 5 key\(s\) the key store has no trace of/).and.include('older than the log');
  });

  it('refuses keys.db and read-models.db restored together from a backup older than the log: customers registered since have no key', async () => {
    await f.shop();
    const backup = tempDir();
    try {
      for (const name of ['keys.db', 'read-models.db']) for (const [i, file] of f.files(name).entries()) if (existsSync(file)) copyFileSync(file, join(backup.path, `${name}${['', '-wal', '-shm'][i]}`));
      await f.start();
      for (let i = 0; i < 4; i += 1) await f.register(`since-${i}@test.local`);
      await f.ready();
      await f.stop();
      await f.receipts();
      for (const name of ['keys.db', 'read-models.db']) {
        for (const file of f.files(name)) rmSync(file, { force: true });
        for (const suffix of ['', '-wal', '-shm']) if (existsSync(join(backup.path, `${name}${suffix}`))) copyFileSync(join(backup.path, `${name}${suffix}`), join(f.dir().path, `${name}${suffix}`));
      }
      expect(await f.refused()).to.match(/cannot start: the event log holds personal data sealed with 4 key\(s\) the key store has no trace of/);
    } finally {
      backup.remove();
    }
  });

});
