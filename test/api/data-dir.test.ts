import { expect } from 'chai';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { openDataDir, ownership } from '../../src/api/data-dir.js';
import { ConfigError } from '../../src/config.js';
import { startServer } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

/** DATA_DIR as an operator gets it wrong: another user's, or no directory at all. The process says so in words. */
describe('DATA_DIR', function () {
  this.timeout(30_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());
  const silent = pino({ level: 'silent' });

  describe('ownership', () => {
    it("is this process's own when it runs as the owner (or the platform has no uids)", () => {
      expect(ownership(1000, 1000)).to.equal('own');
      expect(ownership(1000, undefined)).to.equal('own');
    });
    it("is another user's, which this process cannot use, when it runs as someone else", () => expect(ownership(1000, 1001)).to.equal('foreign'));
    it("is another user's opened by root, which works but leaves root's files behind", () => expect(ownership(1000, 0)).to.equal('root-on-foreign'));
  });

  it('is refused, naming its owner and the user to run as, when it belongs to another user', () => {
    const owner = statSync(dir.path).uid;
    expect(() => openDataDir(dir.path, silent, owner + 1))
      .to.throw(ConfigError)
      .with.property('message', `DATA_DIR ${dir.path} belongs to uid ${owner}, and this process runs as uid ${owner + 1}: its files are private to their owner, so run every process of the shop as the user that owns DATA_DIR (uid ${owner})`);
  });

  it('stops the server with a message naming the problem, not an errno, when it is a file', async () => {
    const file = join(dir.path, 'not-a-directory');
    writeFileSync(file, '');
    const failed = await startServer({ DATA_DIR: file }).then(
      () => expect.fail('the server started'),
      (error: Error) => error.message,
    );
    expect(failed).to.match(/^server exited with 1:/);
    expect(failed).to.include(`DATA_DIR ${file} is not a directory`);
  });
});
