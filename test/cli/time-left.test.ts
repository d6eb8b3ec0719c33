import { expect } from 'chai';
import { timeLeft } from '../../src/cli/time-left.js';

describe('a rebuild progress bar\'s time left', () => {
  it('says it is estimating until events were folded for a second (not "0s" at 0%)', () => {
    expect(timeLeft({ position: 0, head: 200_000, events: 0, elapsedMs: 0 })).to.equal('estimating');
    expect(timeLeft({ position: 0, head: 200_000, events: 0, elapsedMs: 5_000 })).to.equal('estimating');
    expect(timeLeft({ position: 5_000, head: 200_000, events: 5_000, elapsedMs: 400 })).to.equal('estimating');
  });

  it('gives the events left at the rate so far', () => {
    // 50,000 events in 2 s: 150,000 left take 6 s.
    expect(timeLeft({ position: 50_000, head: 200_000, events: 50_000, elapsedMs: 2_000 })).to.equal('6s');
    // A rebuild resumed at 100,000: 10,000 folded in 1 s, 890,000 left take 89 s.
    expect(timeLeft({ position: 110_000, head: 1_000_000, events: 10_000, elapsedMs: 1_000 })).to.equal('1m29s');
    expect(timeLeft({ position: 1_000, head: 10_000_000, events: 1_000, elapsedMs: 1_000 })).to.equal('2h46m');
  });

  it('says 0s once the head is reached', () => {
    expect(timeLeft({ position: 200_000, head: 200_000, events: 200_000, elapsedMs: 3_000 })).to.equal('0s');
    expect(timeLeft({ position: 0, head: 0, events: 0, elapsedMs: 0 })).to.equal('0s');
  });
});
