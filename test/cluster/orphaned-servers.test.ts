import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { eventually, tempDir } from '../support/temp-dir.js';

/**
 * A server a test started stops itself once the test's process is gone (killed, or its mocha
 * cut off by a closed pipe), instead of serving on with nobody left to stop it: the test
 * helpers preload ./support/exit-with-parent.ts into every process they start.
 */
describe('a server whose starter is killed', function () {
  this.timeout(60_000);

  it('stops itself (and its port is closed) within seconds', async () => {
    const dir = tempDir();
    const helpers = new URL('../support/server-process.js', import.meta.url).href;
    // The starter: as a test would, through the helper, then it is killed without a word.
    const starter = spawn(
      process.execPath,
      ['--input-type=module', '-e', `const { startServer } = await import(${JSON.stringify(helpers)}); const s = await startServer({ DATA_DIR: ${JSON.stringify(dir.path)}, ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password', SEED_DEMO: 'false' }); console.log(JSON.stringify({ pid: s.child.pid, url: s.url })); setInterval(() => {}, 1000);`],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const line = await new Promise<string>((resolve) => createInterface({ input: starter.stdout! }).once('line', resolve));
      const { pid, url } = JSON.parse(line) as { pid: number; url: string };
      expect((await fetch(`${url}/health`)).status).to.equal(200);
      starter.kill('SIGKILL');
      const alive = () => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      };
      await eventually(async () => (alive() ? undefined : true), 15_000);
      let refused = false;
      await fetch(`${url}/health`).catch(() => (refused = true));
      expect(refused, 'nothing listens on its port any more').to.equal(true);
    } finally {
      starter.kill('SIGKILL');
      dir.remove();
    }
  });
});
