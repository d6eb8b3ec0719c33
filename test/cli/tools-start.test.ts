import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The operator tools start fast because they do nothing they do not need: no compilation
 * when no source changed, no HTTP edge, no client of a server that is not configured.
 * (How fast is measured, not asserted: see the README.)
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSITION_ROOT = fileURLToPath(new URL('../../src/api/composition-root.js', import.meta.url));

const node = (args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, timeout: 90_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });

/** When the script and tsc last finished a build here (null: never). */
const buildMarks = () =>
  ['.build-stamp', '.tsbuildinfo'].map((file) => {
    const path = join(ROOT, 'dist', file);
    return existsSync(path) ? statSync(path).mtimeMs : null;
  });

describe('the operator tools start', function () {
  this.timeout(120_000);

  it('without compiling again when no source changed since the last build', async () => {
    const first = await node(['scripts/build.mjs', '--if-stale']);
    expect(first.code, first.stderr).to.equal(0);
    // A build by the script leaves its stamp, one by tsc itself (`npx tsc -p .`) its build info only:
    // either way, a second run compiles nothing, so neither changes.
    const built = buildMarks();
    const again = await node(['scripts/build.mjs', '--if-stale']);
    expect(again.code, again.stderr).to.equal(0);
    expect(again.stdout + again.stderr).to.equal('');
    expect(buildMarks()).to.deep.equal(built);
  });

  it('loading neither the HTTP edge nor the clients of EventStoreDB, MongoDB and SMTP', async () => {
    const dir = tempDir();
    try {
      await new SqliteEventStore({ path: join(dir.path, 'events.db') }).close();
      const script = `
        import 'reflect-metadata';
        import { createRequire } from 'node:module';
        const { composeTools } = await import(${JSON.stringify(COMPOSITION_ROOT)});
        const tools = await composeTools({ ...(await import(${JSON.stringify(COMPOSITION_ROOT.replace('api/composition-root.js', 'config.js'))})).loadConfig() });
        await tools.close();
        console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`;
      const run = await node(['--input-type=module', '-e', script], { DATA_DIR: dir.path, LOG_LEVEL: 'silent', EVENTSTORE_URL: '', MONGODB_URL: '', SMTP_URL: '' });
      expect(run.code, run.stderr).to.equal(0);
      const loaded = JSON.parse(run.stdout) as string[];
      const packages = ['express', 'class-validator', 'jose', 'prom-client', '@eventstore', 'mongodb', 'nodemailer'];
      expect(packages.filter((name) => loaded.some((path) => path.includes(`/node_modules/${name}/`)))).to.deep.equal([]);
      expect(loaded.some((path) => path.includes('/node_modules/better-sqlite3/')), 'the embedded store is loaded').to.equal(true);
    } finally {
      dir.remove();
    }
  });
});
