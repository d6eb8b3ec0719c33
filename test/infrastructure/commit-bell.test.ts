import { expect } from 'chai';
import { chmodSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommitBell } from '../../src/infrastructure/commit-bell.js';
import { eventually, tempDir } from '../support/temp-dir.js';

describe('commit bell', () => {
  let dir: ReturnType<typeof tempDir>;
  let path: string;
  const bells: CommitBell[] = [];

  beforeEach(() => {
    dir = tempDir();
    path = join(dir.path, 'events.db-wake');
  });

  afterEach(() => {
    for (const bell of bells.splice(0)) bell.close();
    dir.remove();
  });

  /** A bell that counts the rings it hears. */
  const bell = (at = path) => {
    let rings = 0;
    const opened = new CommitBell(at, () => (rings += 1));
    bells.push(opened);
    return { bell: opened, rings: () => rings };
  };

  const hears = async (listener: { rings: () => number }, ring: () => void) => {
    const before = listener.rings();
    ring();
    await eventually(() => (listener.rings() > before ? true : undefined), 5000);
  };

  it('is heard by every bell on the file, its own included, and says so once its first ring came back', async () => {
    const a = bell();
    const b = bell();
    await eventually(() => (a.bell.heard && b.bell.heard ? true : undefined), 5000);
    await hears(b, () => a.bell.ring());
    await hears(a, () => a.bell.ring());
  });

  it('stays one byte long however often it rings', async () => {
    const a = bell();
    for (let i = 0; i < 100; i += 1) a.bell.ring();
    expect(statSync(path).size).to.equal(1);
  });

  it('creates the file 0600, and narrows one that others could read', () => {
    bell();
    expect(statSync(path).mode & 0o777).to.equal(0o600);
    const wide = join(dir.path, 'other.db-wake');
    writeFileSync(wide, '', { mode: 0o644 });
    chmodSync(wide, 0o644);
    bell(wide);
    expect(statSync(wide).mode & 0o777).to.equal(0o600);
  });

  it('listens to the file made anew after the one it listened to was deleted, from its next check', async () => {
    const a = bell();
    await hears(a, () => unlinkSync(path)); // inotify says 'attributes changed' (while a has it open), kqueue 'deleted'
    const b = bell(); // creates the bell anew: another inode
    a.bell.check();
    await hears(a, () => b.bell.ring());
  });

  it('rings the file made anew after the one it rang was deleted, though it never checked (a process with nobody waiting rings, and does not poll)', async () => {
    const a = bell();
    unlinkSync(path);
    const b = bell(); // listens to the file made anew: another inode
    await eventually(() => (b.bell.heard ? true : undefined), 5000);
    await hears(b, () => a.bell.ring());
  });

  it('rings the file renamed over the one it rang, though it never checked and does not listen', async () => {
    const ringer = new CommitBell(path, () => undefined, false); // rings only (a commit thread's bell): no watch tells it of the rename
    bells.push(ringer);
    const other = join(dir.path, 'other-wake');
    writeFileSync(other, Buffer.from([0]), { mode: 0o600 });
    renameSync(other, path);
    const b = bell(); // listens to the file now at the path
    await eventually(() => (b.bell.heard ? true : undefined), 5000);
    await hears(b, () => ringer.ring());
  });

  it('never throws where the file cannot be made: nothing is rung, nothing heard', () => {
    const nowhere = bell(join(dir.path, 'missing', 'events.db-wake'));
    expect(() => nowhere.bell.ring()).not.to.throw();
    expect(() => nowhere.bell.check()).not.to.throw();
    expect(nowhere.bell.heard).to.equal(false);
  });
});
