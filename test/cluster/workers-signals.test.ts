import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EXIT_WITH_PARENT } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

/** `WORKERS=n npm start`, sent `signal` as soon as its log says `msg`. Resolves with its exit code and its log. */
const signalledAt = (env: Record<string, string>, msg: string, signal: NodeJS.Signals) =>
  new Promise<{ code: number | null; logs: string[] }>((resolve) => {
    const child = spawn(process.execPath, [...EXIT_WITH_PARENT, MAIN], {
      env: { ...process.env, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', PASSWORD_HASH_COST: '10', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: string[] = [];
    let sent = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    createInterface({ input: child.stderr! }).on('line', (line) => logs.push(line));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      if (!sent && line.includes(`"msg":"${msg}"`)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, logs });
    });
  });

describe('WORKERS=n: a stop asked for while the workers are still starting', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`is a clean stop on ${signal}: the primary exits 0 (a worker ended by the signal before it could stop by itself failed nothing)`, async () => {
      const { code, logs } = await signalledAt({ DATA_DIR: dir.path, WORKERS: '2', SEED_DEMO: 'false' }, 'starting workers', signal);
      expect(code, logs.slice(-10).join('\n')).to.equal(0);
    });
  }
});

describe('one process: a stop asked for while it opens its stores', function () {
  this.timeout(90_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`waits for the start, then stops cleanly on ${signal} (exit 0; it was ended by the signal before)`, async () => {
      const { code, logs } = await signalledAt({ DATA_DIR: dir.path, SEED_DEMO: 'false', ADMIN_EMAIL: 'ops@test.local', ADMIN_PASSWORD: 'ops-password' }, 'starting', signal);
      expect(code, logs.slice(-10).join('\n')).to.equal(0);
      const said = logs.map((line) => /"msg":"([^"]*)"/.exec(line)?.[1]);
      expect(said.indexOf('listening'), 'it finished starting').to.be.greaterThan(said.indexOf('starting'));
      expect(said.indexOf('shutting down')).to.be.greaterThan(said.indexOf('starting'));
    });
  }
});
