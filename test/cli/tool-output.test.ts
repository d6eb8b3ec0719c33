import { expect } from 'chai';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { runCli } from '../support/server-process.js';
import { tempDir } from '../support/temp-dir.js';

/** What the tools print into a pipe (`| jq`, `| less`, a test's execFile): all of it. */
describe('the tools\' answers into a pipe', function () {
  this.timeout(60_000);
  let dir: ReturnType<typeof tempDir>;
  const SKU = 'SKU-1';
  const RECEIPTS = 400;

  before(async () => {
    dir = tempDir();
    const events = new SqliteEventStore({ path: join(dir.path, 'events.db') });
    const productId = uuid();
    const received = Array.from({ length: RECEIPTS }, () => ({
      id: uuid(),
      type: 'StockReceived',
      data: { sku: SKU, productId, quantity: 1, receivedAt: '2026-01-01T00:00:00.000Z' },
      metadata: { correlationId: uuid(), causationId: uuid(), actor: 'admin:ops', occurredAt: '2026-01-01T00:00:00.000Z' },
    }));
    await events.appendToStream(`inventory-${SKU}`, received);
    await events.close();
  });
  after(() => dir.remove());

  it('prints a JSON answer far over 64 KiB whole', async () => {
    // Every event on one page (100 by default).
    const run = await runCli('audit', [`inventory-${SKU}`, '--json', '--limit', String(RECEIPTS)], { DATA_DIR: dir.path });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.length).to.be.greaterThan(256 * 1024);
    const audit = JSON.parse(run.stdout) as { events: Array<{ revision: number }> };
    expect(audit.events.map((e) => e.revision)).to.deep.equal([...Array(RECEIPTS).keys()]);
  });

  it('prints a table far over 64 KiB whole, its state last', async () => {
    const run = await runCli('audit', [`inventory-${SKU}`, '--limit', String(RECEIPTS)], { DATA_DIR: dir.path });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.stdout.length).to.be.greaterThan(128 * 1024);
    expect(run.stdout).to.match(/^state now:$/m);
    expect(run.stdout.trimEnd().endsWith('}')).to.equal(true);
  });
});
