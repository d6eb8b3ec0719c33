import { expect } from 'chai';
import { inParallel } from '../../src/processes/concurrency.js';

/** The saga runner's map over its sagas: a failed batch is retried, so no work of it may outlive the failure. */
describe('inParallel (the saga runner\'s reactions)', () => {
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps the input order and the limit of items in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const results = await inParallel([30, 10, 20, 5, 15], 2, async (ms) => {
      most = Math.max(most, ++inFlight);
      await pause(ms);
      inFlight -= 1;
      return ms * 2;
    });
    expect(results).to.deep.equal([60, 20, 40, 10, 30]);
    expect(most).to.equal(2);
  });

  it('throws the first failure only once the items in flight have settled, and starts none after it', async () => {
    const events: string[] = [];
    const failure = new Error('the store did not answer');
    const run = inParallel(['fails', 'slow', 'later'], 2, async (item) => {
      events.push(`start ${item}`);
      if (item === 'fails') {
        await pause(1);
        throw failure;
      }
      await pause(30);
      events.push(`end ${item}`);
    }).then(
      () => events.push('resolved'),
      (error: unknown) => events.push(`rejected: ${(error as Error).message}`),
    );
    await run;
    expect(events).to.deep.equal(['start fails', 'start slow', 'end slow', 'rejected: the store did not answer']);
  });
});
