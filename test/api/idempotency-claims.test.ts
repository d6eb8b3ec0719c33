import { expect } from 'chai';
import express, { type Express } from 'express';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import request from 'supertest';
import { executionStarted, IDEMPOTENCY_COLLECTION, IdempotencyKeys } from '../../src/api/idempotency.js';
import { errorHandler } from '../../src/api/problems.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The claim a keyed request takes on its key in the shared store, seen from two processes of
 * one shop (two IdempotencyKeys over one store): a repeat in the other process waits for the
 * claim to end, whether by an answer kept, a key given back, or a claim that ran out. A
 * claim is renewed while its request runs, so only a process that died (or stalled past
 * it) loses one.
 */
describe('Idempotency-Key claims shared by processes', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: EmbeddedReadModelStore;
  let runs: string[];
  let hold: Promise<void>;
  beforeEach(() => {
    dir = tempDir();
    store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
    runs = [];
    hold = Promise.resolve();
  });
  afterEach(async () => {
    await store.close();
    dir.remove();
  });

  /** The keys of each process made by shopProcess, by name (`stop` ends its renewals, as its death would). */
  let keys: Map<string, IdempotencyKeys>;
  beforeEach(() => (keys = new Map()));
  afterEach(() => keys.forEach((k) => k.stop()));

  /** A process: its route runs once `hold` resolves, and answers 201, or 400 for `{ bad: true }`. */
  const shopProcess = (name: string, claimMs?: number, logger?: Logger): Express => {
    const app = express().use(express.json());
    const mine = new IdempotencyKeys(store, undefined, logger, claimMs);
    keys.set(name, mine);
    app.use(mine.middleware());
    app.post('/things', async (req, res) => {
      if (req.body.bad) return void res.status(400).json({ type: 'urn:shop:problem:validation-failed', status: 400 });
      executionStarted(req);
      runs.push(name);
      await hold;
      res.status(201).json({ madeBy: name });
    });
    return app.use(errorHandler(undefined as never));
  };
  const post = (app: Express, body: object) => request(app).post('/things').set('Idempotency-Key', 'k-1').send(body);

  it('answers a repeat that reached another process while the first ran with the first answer, running it once', async () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const [a, b] = [shopProcess('a'), shopProcess('b')];
    const first = post(a, { n: 1 }).then((res) => res);
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const repeat = post(b, { n: 1 }).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const [one, two] = await Promise.all([first, repeat]);
    expect([one.status, one.body, two.status, two.body, two.headers['idempotent-replayed']]).to.deep.equal([201, { madeBy: 'a' }, 201, { madeBy: 'a' }, 'true']);
    expect(runs).to.deep.equal(['a']);
  });

  it('runs the repeat in the other process once the first gives the key back (an answer not kept)', async () => {
    const [a, b] = [shopProcess('a'), shopProcess('b')];
    expect((await post(a, { bad: true })).status).to.equal(400);
    const res = await post(b, { n: 1 });
    expect([res.status, res.body]).to.deep.equal([201, { madeBy: 'b' }]);
  });

  it('runs the repeat once the claim of a request that never answered (its process died) has run out', async () => {
    let revive!: () => void;
    hold = new Promise((resolve) => (revive = resolve)); // process a does not answer
    const [a, b] = [shopProcess('a', 100), shopProcess('b')];
    const stalled = post(a, { n: 1 }).then(() => undefined);
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    keys.get('a')!.stop(); // and renews its claim no more, as if it had died
    hold = Promise.resolve();
    const started = Date.now();
    const res = await post(b, { n: 1 });
    expect([res.status, res.body]).to.deep.equal([201, { madeBy: 'b' }]);
    expect(runs).to.deep.equal(['a', 'b']);
    expect(Date.now() - started).to.be.below(2_000); // one claim (100 ms) and the poll, not the claim of old (30 s)
    revive();
    await stalled;
  });

  it('keeps the key of a request that runs for several claims: the repeat in the other process waits for its answer and runs nothing', async () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const [a, b] = [shopProcess('a', 90), shopProcess('b', 90)];
    const first = post(a, { n: 1 }).then((res) => res);
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const repeat = post(b, { n: 1 }).then((res) => res);
    await new Promise((resolve) => setTimeout(resolve, 450)); // five claims
    expect(runs).to.deep.equal(['a']);
    release();
    const [one, two] = await Promise.all([first, repeat]);
    expect([one.status, one.body, two.status, two.body, two.headers['idempotent-replayed']]).to.deep.equal([201, { madeBy: 'a' }, 201, { madeBy: 'a' }, 'true']);
    expect(runs).to.deep.equal(['a']);
  });

  it('says so and stops renewing when a running request finds its claim taken (its process stalled past it)', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const first = post(shopProcess('a', 90, logger), { n: 1 }).then((res) => res);
    while (runs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // Another process takes the key over, as one does once a claim has run out under a stalled process.
    const records = store.collection<{ _id: string; claim?: string }>(IDEMPOTENCY_COLLECTION);
    const [claimed] = await records.find({});
    await records.updateOne({ _id: claimed!._id }, { $set: { claim: 'another-process' } });
    await new Promise((resolve) => setTimeout(resolve, 200)); // two renewals' time
    expect(warnings).to.deep.equal(['a running request lost its claim on its Idempotency-Key: a repeat may run meanwhile']);
    release();
    expect((await first).status).to.equal(201);
  });

  it('hands a kept answer that then fails to leave (a body that is not JSON) to the error handlers: a 500 problem, no rejection left unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const app = express().use(express.json());
      app.use(new IdempotencyKeys(store).middleware());
      app.post('/things', (req, res) => {
        executionStarted(req);
        res.status(201).json({ total: 10n });
      });
      app.use(errorHandler(pino({ level: 'silent' })));
      const res = await post(app, { n: 1 });
      await new Promise((resolve) => setImmediate(resolve));
      expect([res.status, res.headers['content-type']]).to.deep.equal([500, 'application/problem+json; charset=utf-8']);
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
