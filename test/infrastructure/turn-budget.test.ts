import { expect } from 'chai';
import { TurnBudget } from '../../src/infrastructure/turn-budget.js';

/** Whether a callback queued for the next turn of the event loop ran while `work` ran. */
const turnTaken = async (work: () => Promise<void>): Promise<boolean> => {
  let ran = false;
  setImmediate(() => (ran = true));
  await work();
  return ran;
};

describe('TurnBudget', () => {
  it('gives the event loop no turn before its slice has passed', async () => {
    const budget = new TurnBudget(60_000);
    expect(await turnTaken(async () => {
      for (let i = 0; i < 1_000; i += 1) await budget.pause();
    })).to.equal(false);
  });

  it('gives the event loop a turn once its slice has passed, and starts a new slice after it', async () => {
    const budget = new TurnBudget(5);
    const busyUntil = performance.now() + 6;
    while (performance.now() < busyUntil);
    expect(await turnTaken(() => budget.pause())).to.equal(true);
    expect(await turnTaken(() => budget.pause())).to.equal(false);
  });
});
