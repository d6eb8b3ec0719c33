import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { REBUILDS, type RebuildStatus } from '../../src/operations/rebuild.js';
import { CHECKPOINTS } from '../../src/projections/runner.js';
import { EXIT_WITH_PARENT, runCli } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

const SCRIPT = fileURLToPath(new URL('../../src/cli/projections.js', import.meta.url));

/**
 * `npm run projections:rebuild` stopped by the operator (Ctrl-C, or a SIGTERM from a supervisor):
 * the rebuild ends as failed and gives up its claim, so that it can be run again at once.
 */
describe('npm run projections:rebuild, interrupted', function () {
  this.timeout(120_000);
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  /** A log long enough that a rebuild of it is still folding when it is interrupted: 200 SKUs receiving stock 200 times each. */
  const longLog = async () => {
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    for (let sku = 0; sku < 200; sku += 1) {
      const productId = uuid();
      const received = Array.from({ length: 200 }, () => ({
        id: uuid(),
        type: 'StockReceived',
        data: { sku: `SKU-${sku}`, productId, quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' },
        metadata: {},
      }));
      await events.appendToStream(`inventory-SKU-${sku}`, received);
    }
    await events.close();
  };

  /** Starts a rebuild of every read model, and resolves once it has begun folding (its progress is printed from the first batch on). */
  const folding = async () => {
    const child = spawn(process.execPath, [...EXIT_WITH_PARENT, SCRIPT, 'rebuild', 'all'], { env: { ...process.env, DATA_DIR: dir.path, LOG_LEVEL: 'silent' } });
    const output = { stderr: '' };
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        output.stderr += chunk.toString();
        if (output.stderr.includes('rebuilding')) resolve();
      }),
    );
    return { child, exited, output };
  };

  it('killed outright (kill -9), is refused again with when it was last heard from and when it can be claimed', async () => {
    await longLog();
    const { child, exited } = await folding();
    child.kill('SIGKILL');
    await exited;
    const again = await runCli('projections', ['rebuild', 'products'], { DATA_DIR: dir.path });
    expect(again.code).to.equal(1);
    expect(again.stderr).to.match(/^error: a rebuild of products is already running \(started \S+, last heard from \d+ s ago\); one whose process was killed can be claimed again 15 s after/);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`on ${signal} ends the rebuild as failed, swapping nothing in, and it can be run again at once`, async () => {
      await longLog();
      const { child, exited, output } = await folding();
      child.kill(signal);
      const code = await exited;
      expect(code, output.stderr).to.equal(1);
      expect(output.stderr).to.match(/interrupted/);

      const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
      const statuses = await store.collection<RebuildStatus>(REBUILDS).find({});
      const checkpoints = await store.collection(CHECKPOINTS).find({});
      await store.close();
      expect(statuses.map((s) => s.status)).to.not.include('running');
      expect(checkpoints).to.deep.equal([]);

      const again = await runCli('projections', ['rebuild', 'stock-levels'], { DATA_DIR: dir.path });
      expect(again.code, again.stderr).to.equal(0);
      expect(again.stdout).to.match(/rebuilt 40000 events/);
    });
  }
});
