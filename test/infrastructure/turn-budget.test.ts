import { expect } from 'chai';
import { TurnBudget, TurnShare } from '../../src/infrastructure/turn-budget.js';

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

  it('shares the turns among the reads that wait: one of them a turn of the event loop, in the order they asked', async () => {
    const share = new TurnShare();
    // A turn counter: one immediate a turn, each queuing the next (an immediate queued while immediates run waits for the next turn).
    let turn = 0;
    let counting = true;
    const count = () => {
      turn += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const woken: Array<{ read: string; turn: number }> = [];
    await Promise.all(['a', 'b', 'c', 'd'].map((read) => share.next().then(() => void woken.push({ read, turn }))));
    counting = false;
    expect(woken.map((w) => w.read)).to.deep.equal(['a', 'b', 'c', 'd']);
    expect(new Set(woken.map((w) => w.turn)).size, JSON.stringify(woken)).to.equal(4);
  });
});
