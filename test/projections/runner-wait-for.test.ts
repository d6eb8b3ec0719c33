import { expect } from 'chai';
import { appendOne } from './projection-fixture.js';
import { created, runnerStores, shopHistory } from './runner-fixture.js';

/** Waiting on the runner (`waitFor`): catching up, following the log live, stopping. */
describe('Projection runner', () => {
  const stores = runnerStores();
  const { runner, start, caughtUp, documents } = stores;

  describe('waitFor', () => {
    it('resolves true once the runner has processed the position', async () => {
      const r = await start(runner());
      const target = (await stores.events.headPosition()) + 1;
      const waiting = r.waitFor(target, 10_000);
      await appendOne(stores.events, 'product-p-1', 'ProductCreated', created('p-1'));
      expect(await waiting).to.equal(true);
      expect(r.checkpoint).to.be.at.least(target);
      expect((await documents()).products.map((p) => p._id)).to.deep.equal(['p-1']);
    });

    it('resolves true at once for a position already processed', async () => {
      await shopHistory(stores.events);
      const r = await start(runner());
      await caughtUp(r);
      expect(await r.waitFor(1, 0)).to.equal(true);
    });

    it('resolves false when the position is not reached in time', async () => {
      await shopHistory(stores.events);
      const r = await start(runner());
      await caughtUp(r);
      expect(await r.waitFor((await stores.events.headPosition()) + 1, 50)).to.equal(false);
    });

    it('answers many waiters, each once its own position is processed', async () => {
      const r = await start(runner());
      const head = await stores.events.headPosition();
      const waiting = [1, 2, 3].map((n) => r.waitFor(head + n, 10_000).then((reached) => ({ n, reached, checkpoint: r.checkpoint })));
      const late = r.waitFor(head + 100, 100);
      for (let i = 1; i <= 3; i += 1) await appendOne(stores.events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`));
      for (const { n, reached, checkpoint } of await Promise.all(waiting)) {
        expect(reached).to.equal(true);
        expect(checkpoint).to.be.at.least(head + n);
      }
      expect(await late).to.equal(false);
    });

    it('lets the event loop answer other work while it catches up on a long log', async () => {
      const store = stores.events;
      for (let i = 0; i < 20; i += 1) {
        await store.appendToStream(`product-bulk-${i}`, Array.from({ length: 100 }, (_, k) => ({ id: `e-${i}-${k}`, type: 'ProductCreated', data: created(`p-${i}-${k}`), metadata: {} })));
      }
      const head = await store.headPosition();
      const r = runner([], stores.readModels, { batchSize: 1 });
      let seenAt: number | undefined;
      setImmediate(() => (seenAt = r.checkpoint));
      await start(r);
      await caughtUp(r);
      expect(seenAt, 'a callback queued when the runner started ran before it had caught up').to.be.below(head);
    });

    it('folds a live event in the turn it was committed in after being idle, not a turn later behind other work', async () => {
      const r = await start(runner());
      await caughtUp(r);
      // Idle for longer than a catch-up runs before it yields: that must not count as a long chain.
      await new Promise((resolve) => setTimeout(resolve, 40));
      const { position } = await appendOne(stores.events, 'product-live', 'ProductCreated', created('live'));
      const seenNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(r.checkpoint)));
      expect(seenNextTurn, 'the checkpoint when the loop came round after the commit').to.be.at.least(position);
    });

    it('stops as soon as it has reached the position waited for, while still catching up', async () => {
      const positions: number[] = [];
      for (let i = 0; i < 50; i += 1) positions.push((await appendOne(stores.events, `product-p-${i}`, 'ProductCreated', created(`p-${i}`))).position);
      const until = positions[44]!;
      const r = runner([], stores.readModels, { until, batchSize: 2000 });
      await r.start();
      expect(await r.waitFor(until, 10_000)).to.equal(true);
      await r.stop();
      expect(r.status).to.equal('stopped');
      expect((await documents()).products).to.have.length(45);
    });

    it('resolves false once the runner is stopped', async () => {
      const r = await start(runner());
      const waiting = r.waitFor(1_000, 10_000);
      await r.stop();
      expect(await waiting).to.equal(false);
    });
  });
});
