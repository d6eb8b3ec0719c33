/**
 * The data export (issue 17, part 4; GDPR art. 20) streamed a page of events at a time: a failing log before and
 * after the answer begins, a client that goes away, a long history read in pages, and prepareExport for an unknown customer.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { ExportsUnderWay } from '../../src/api/exports-under-way.js';
import { dataExportRoutes, exportHandler } from '../../src/api/routes/data-export.js';
import { TooManyRequestsError, UnavailableError } from '../../src/domain/shared/errors.js';
import type { EventStore, ReadStreamOptions } from '../../src/infrastructure/event-store/event-store.js';
import { prepareExport } from '../../src/privacy/export.js';
import { ADDRESS } from '../support/shop.js';
import { eventually } from '../support/temp-dir.js';
import { expectProblem, startTestApp, type TestApp } from '../support/test-app.js';
import { dataExportHelpers } from './data-export-fixture.js';

describe('HTTP data export', () => {
  let app: TestApp;
  let admin: string;
  beforeEach(async () => {
    app = await startTestApp();
    admin = await app.adminToken();
  });
  afterEach(async () => app.close());

  const { exportOf, ok, post, busyCustomer } = dataExportHelpers(() => ({ app, admin }));

  it('is a problem answer when the log fails before the answer begins', async () => {
    const { shopper } = await busyCustomer();
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async () => {
      throw new Error('the disk is on fire');
    };
    try {
      expectProblem(await exportOf(shopper), 500);
    } finally {
      store.readStream = readStream;
    }
  });

  it('cuts the connection, leaving the JSON unfinished, when the log fails once the answer has begun', async () => {
    const { shopper, orderId } = await busyCustomer();
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async (name: string, options?: ReadStreamOptions) => {
      if (name === `order-${orderId}`) throw new Error('the disk is on fire');
      return readStream(name, options);
    };
    try {
      const failed = await exportOf(shopper).then(
        (res) => ({ status: res.status, complete: true }),
        (error: Error) => ({ status: 0, complete: false, error }),
      );
      expect(failed.complete, 'the client must not take a truncated export for a whole one').to.equal(false);
    } finally {
      store.readStream = readStream;
    }
  });

  /** An answer whose buffer is always full: every write waits for a drain that never comes (until `close`). */
  const neverDrained = () => {
    const res = Object.assign(new EventEmitter(), {
      destroyed: false,
      written: [] as string[],
      status() { return res; },
      type() { return res; },
      set() { return res; },
      write(chunk: string) { res.written.push(chunk); return false; },
      end() { throw new Error('a client that reads nothing cannot be answered to the end'); },
      destroy() { res.destroyed = true; },
      close() { res.destroyed = true; res.emit('close'); },
    });
    return res;
  };
  it('stops reading the log when the client goes away while the answer waits to drain', async () => {
    const { shopper } = await busyCustomer();
    let reads = 0;
    const store = app.deps.eventStore;
    const readStream = store.readStream.bind(store);
    store.readStream = async (name: string, options?: ReadStreamOptions) => {
      reads += 1;
      return readStream(name, options);
    };
    const res = neverDrained();
    try {
      const handler = dataExportRoutes.handlers(app.deps).exportMyData;
      const done = Promise.resolve(handler({ principal: { customerId: shopper.customerId, role: 'customer' } } as never, res as never, () => undefined));
      await eventually(() => (res.written.length >= 2 ? true : undefined));
      const readsThen = reads;
      res.close();
      await done;
      expect(res.written.length).to.equal(2);
      expect(reads).to.equal(readsThen);
    } finally {
      store.readStream = readStream;
    }
  });

  const requestOf = (customerId: string) => ({ principal: { customerId, role: 'customer' } }) as never;

  it('runs one export of an account at a time (429 for another), others\' alongside, and frees its place when its client goes away', async () => {
    const { shopper } = await busyCustomer();
    const other = await app.customer();
    const underWay = new ExportsUnderWay();
    const handler = exportHandler(app.deps, { underWay });
    const first = neverDrained();
    const running = Promise.resolve(handler(requestOf(shopper.customerId), first as never, () => undefined));
    await eventually(() => (first.written.length > 0 ? true : undefined));
    const refusal = await Promise.resolve(handler(requestOf(shopper.customerId), neverDrained() as never, () => undefined)).then(() => undefined, (error: unknown) => error);
    expect(refusal).to.be.instanceOf(TooManyRequestsError).with.property('retryAfterSeconds', 5);
    const others = neverDrained();
    const alongside = Promise.resolve(handler(requestOf(other.customerId), others as never, () => undefined));
    await eventually(() => (others.written.length > 0 ? true : undefined));
    first.close();
    others.close();
    await Promise.all([running, alongside]);
    // Its place given back: the account's next export runs.
    const again = neverDrained();
    const next = Promise.resolve(handler(requestOf(shopper.customerId), again as never, () => undefined));
    await eventually(() => (again.written.length > 0 ? true : undefined));
    again.close();
    await next;
  });

  it('ends the answer of a client that reads nothing for the stall time, and frees its place', async () => {
    const { shopper } = await busyCustomer();
    const underWay = new ExportsUnderWay();
    const stalled = neverDrained();
    await Promise.resolve(exportHandler(app.deps, { underWay, stallMs: 50 })(requestOf(shopper.customerId), stalled as never, () => undefined));
    expect(stalled.destroyed).to.equal(true);
    expect(() => underWay.take(shopper.customerId)).to.not.throw();
  });

  it('runs at most its share of exports on a process (503 past it)', () => {
    const underWay = new ExportsUnderWay(1, 2);
    const frees = [underWay.take('a'), underWay.take('b')];
    expect(() => underWay.take('c')).to.throw(UnavailableError);
    frees[0]!();
    frees[0]!();
    expect(() => underWay.take('c')).to.not.throw();
    expect(() => underWay.take('d')).to.throw(UnavailableError);
  });

  it('streams a long history a page of events at a time, every event once, in revision order', async () => {
    const { shopper } = await busyCustomer();
    for (let i = 0; i < 7; i += 1) await post(shopper, '/api/v1/account/me/addresses', { ...ADDRESS, line1: `${i} Page Street` }, 201);
    await app.settled();
    const reads: Array<{ name: string; maxCount: number | undefined }> = [];
    const store = app.deps.eventStore;
    const counting: EventStore = Object.create(store) as EventStore;
    counting.readStream = async (name, options) => {
      reads.push({ name, maxCount: options?.maxCount });
      return store.readStream(name, options);
    };
    const deps = { eventStore: counting, readModels: app.deps.readModels, schema: app.deps.schema, currency: 'USD', emails: app.deps.emails, pageSize: 3 };
    const prepared = (await prepareExport(deps, shopper.customerId, new Date('2026-12-02T10:00:00Z')))!;
    expect(prepared.filename).to.equal('export-2026-12-02.json');
    let text = '';
    let chunks = 0;
    for await (const chunk of prepared.chunks()) {
      text += chunk;
      chunks += 1;
    }
    const body = JSON.parse(text) as { events: Array<{ stream: string; revision: number }> };
    const customer = `customer-${shopper.customerId}`;
    const stored = (await store.readStream(customer)).map((e) => e.revision);
    expect(stored.length).to.be.above(7);
    expect(body.events.filter((e) => e.stream === customer).map((e) => e.revision)).to.deep.equal(stored);
    expect(reads.every((r) => r.maxCount === 3), JSON.stringify(reads)).to.equal(true);
    expect(reads.filter((r) => r.name === customer).length).to.equal(Math.floor(stored.length / 3) + 1);
    // A chunk for each event, and for each field and document before them: none is the whole document.
    const head = Object.entries(body).filter(([name]) => name !== 'events');
    const headChunks = head.reduce((sum, [, value]) => sum + (Array.isArray(value) ? 2 + value.length : 1), 0);
    expect(chunks).to.equal(headChunks + 1 + body.events.length + 1);

    // Over HTTP, the same document comes chunked, not as one buffered body.
    const res = await exportOf(shopper);
    expect(res.headers['transfer-encoding']).to.equal('chunked');
    expect(ok(res).events.length).to.equal(body.events.length);
  });

  it('gives the event loop turns while it reads: other work runs between its chunks, not only after the last', async () => {
    const { shopper } = await busyCustomer();
    const deps = { eventStore: app.deps.eventStore, readModels: app.deps.readModels, schema: app.deps.schema, currency: 'USD', emails: app.deps.emails, turnSliceMs: 0 };
    const prepared = (await prepareExport(deps, shopper.customerId, new Date()))!;
    let chunks = 0;
    let chunksWhenOthersRan: number | undefined;
    setImmediate(() => (chunksWhenOthersRan = chunks));
    for await (const _ of prepared.chunks()) chunks += 1;
    expect(chunks).to.be.above(20);
    // The embedded stores answer at once: without the turns, the whole export ran before anything else.
    expect(chunksWhenOthersRan).to.be.below(10);
  });

  it('is null for a customer the read models do not know', async () => {
    const deps = { eventStore: app.deps.eventStore, readModels: app.deps.readModels, schema: app.deps.schema, currency: 'USD', emails: app.deps.emails };
    expect(await prepareExport(deps, '00000000-0000-4000-8000-000000000000', new Date())).to.equal(null);
  });
});
