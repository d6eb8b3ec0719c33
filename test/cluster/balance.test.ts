import { expect } from 'chai';
import { byAffinity, plan, type BalanceInput } from '../../src/cluster/balance.js';

const RUNNERS = ['products', 'stock-levels', 'customer-profiles', 'carts', 'orders', 'payments', 'shipments', 'search', 'reviews', 'purchases', 'order-saga', 'notifications'];

const holding = (entries: Record<string, readonly string[]>) => new Map(Object.entries(entries).flatMap(([owner, runners]) => runners.map((r) => [r, owner] as const)));

/**
 * Every process plans in turn and its claims of free runners succeed (a claim of a runner
 * another process took first fails, as the store would refuse it), until nothing changes.
 */
const settle = (processes: string[], holders = new Map<string, string>(), rounds = 20) => {
  for (let round = 0; round < rounds; round += 1) {
    let changed = false;
    for (const me of processes) {
      const decided = plan({ me, runners: RUNNERS, live: processes, holders });
      for (const runner of decided.release) holders.delete(runner);
      let taken = 0;
      for (const runner of decided.claim) {
        if (taken >= decided.take) break;
        if (holders.has(runner)) continue;
        holders.set(runner, me);
        taken += 1;
      }
      changed ||= decided.release.length > 0 || taken > 0;
    }
    if (!changed) return { holders, rounds: round };
  }
  throw new Error('the plan did not settle');
};

const counts = (holders: Map<string, string>, processes: string[]) => processes.map((p) => [...holders.values()].filter((h) => h === p).length);

describe('Balancing runners over processes', () => {
  describe('when one process is alone', () => {
    it('takes every runner at once', () => {
      const decided = plan({ me: 'a', runners: RUNNERS, live: [], holders: new Map() });
      expect(decided.take).to.equal(RUNNERS.length);
      expect([...decided.claim].sort()).to.deep.equal([...RUNNERS].sort());
      expect(decided.release).to.deep.equal([]);
    });
  });

  describe('when a process joins one that holds everything', () => {
    const input: BalanceInput = { me: 'a', runners: RUNNERS, live: ['a', 'b'], holders: holding({ a: RUNNERS }) };

    it('the holder gives back its surplus, those it likes least', () => {
      const decided = plan(input);
      expect(decided.release).to.have.length(6);
      expect(decided.release).to.deep.equal(byAffinity('a', RUNNERS).slice(6).reverse());
      expect(decided.take).to.equal(0);
    });

    it('the newcomer claims nothing before they are given back', () => {
      expect(plan({ ...input, me: 'b' }).take).to.equal(0);
    });

    it('ends with each holding its share', () => {
      expect(counts(settle(['a', 'b'], holding({ a: RUNNERS })).holders, ['a', 'b'])).to.deep.equal([6, 6]);
    });
  });

  describe('when a fourth process joins three', () => {
    it('each of the three gives one back and the fourth takes a share of three', () => {
      const three = settle(['a', 'b', 'c']).holders;
      expect(counts(three, ['a', 'b', 'c'])).to.deep.equal([4, 4, 4]);
      expect(counts(settle(['a', 'b', 'c', 'd'], three).holders, ['a', 'b', 'c', 'd'])).to.deep.equal([3, 3, 3, 3]);
    });
  });

  describe('when the runners do not divide evenly', () => {
    it('spreads 12 runners over 5 processes as 3 or 2 each, none left with nothing', () => {
      const four = settle(['a', 'b', 'c', 'd']).holders;
      const five = counts(settle(['a', 'b', 'c', 'd', 'e'], four).holders, ['a', 'b', 'c', 'd', 'e']);
      expect(five.every((n) => n === 2 || n === 3), String(five)).to.equal(true);
      expect(five.reduce((x, y) => x + y)).to.equal(12);
    });
  });

  describe('when a process dies', () => {
    it("the survivors take its runners (expired leases are free), up to their new share", () => {
      const three = settle(['a', 'b', 'c']).holders;
      for (const [runner, holder] of [...three]) if (holder === 'c') three.delete(runner);
      expect(counts(settle(['a', 'b'], three).holders, ['a', 'b'])).to.deep.equal([6, 6]);
    });

    it('a survivor takes no more than its share while another live process has room', () => {
      const holders = holding({ a: RUNNERS.slice(0, 4), b: RUNNERS.slice(4, 6) });
      const decided = plan({ me: 'a', runners: RUNNERS, live: ['a', 'b', 'c'], holders });
      expect(decided.take).to.equal(0);
      expect(plan({ me: 'b', runners: RUNNERS, live: ['a', 'b', 'c'], holders }).take).to.equal(2);
    });

    it('its leases are not free until they run out, even once it no longer counts as live', () => {
      const holders = holding({ a: RUNNERS.slice(0, 1), b: RUNNERS.slice(1, 7), c: RUNNERS.slice(7, 10) });
      const decided = plan({ me: 'a', runners: RUNNERS, live: ['a', 'b'], holders });
      expect([...decided.claim].sort()).to.deep.equal(RUNNERS.slice(10).sort());
      expect(decided.take).to.equal(2);
    });
  });

  describe('preferences', () => {
    it('differ between processes, so that they seldom race for the same lease', () => {
      const firsts = ['a', 'b', 'c', 'd'].map((p) => byAffinity(p, RUNNERS).slice(0, 3).join());
      expect(new Set(firsts).size).to.equal(4);
    });

    it('are stable: the same process wants the same runners first every time', () => {
      expect(byAffinity('p-1', RUNNERS)).to.deep.equal(byAffinity('p-1', [...RUNNERS].reverse()));
    });
  });
});
