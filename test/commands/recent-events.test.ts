/**
 * RecentEvents, the command handler's memory of a stream's last event ids: each version reads
 * as a plain copy of the ids before it plus its own, cut to the limit, would; however versions
 * branch (an older one extended after a newer one was made) and however the shared arrays are
 * compacted. The handler's use of it: command-handler-idempotency.test.ts.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { RecentEvents } from '../../src/commands/recent-events.js';

/** The model: what the handler kept before, a copy per version. */
type Model = { ids: string[]; positions: number[] };

const extend = (model: Model, ids: string[], positions: number[], limit: number): Model => ({
  ids: [...model.ids, ...ids].slice(-limit),
  positions: [...model.positions, ...positions].slice(-limit),
});

/** Every id a version should and should not hold, and its length and oldest position, against the model. */
const agree = (recent: RecentEvents, model: Model, everyId: readonly string[]) => {
  expect(recent.length).to.equal(model.ids.length);
  expect(recent.oldestPosition).to.equal(model.positions[0]);
  for (const id of everyId) expect(recent.includes(id), id).to.equal(model.ids.includes(id));
};

describe('RecentEvents', () => {
  it('remembers the last ids up to the limit, with the position of the oldest', () => {
    const recent = RecentEvents.empty().plus(['a', 'b', 'c'], [1, 2, 3], 4).plus(['d', 'e'], [4, 5], 4);
    expect(recent.length).to.equal(4);
    expect(recent.oldestPosition).to.equal(2);
    expect(['a', 'b', 'c', 'd', 'e'].map((id) => recent.includes(id))).to.deep.equal([false, true, true, true, true]);
  });

  it('leaves a version as it was when a later one is made from it, or from the one before it', () => {
    const first = RecentEvents.empty().plus(['a'], [1], 3);
    const second = first.plus(['b'], [2], 3);
    const branch = first.plus(['x', 'y', 'z'], [7, 8, 9], 3);
    expect([first.length, first.includes('b'), first.includes('x')]).to.deep.equal([1, false, false]);
    expect([second.length, second.includes('a'), second.includes('b'), second.includes('x')]).to.deep.equal([2, true, true, false]);
    expect([branch.length, branch.includes('a'), branch.includes('b'), branch.oldestPosition]).to.deep.equal([3, false, false, 7]);
    // The version at the arrays' end goes on from them; the branch from its own copy.
    const third = second.plus(['c'], [3], 3);
    expect([third.includes('a'), third.includes('c'), third.includes('z'), third.oldestPosition]).to.deep.equal([true, true, false, 1]);
  });

  it('is empty with no position, and refuses a limit under one or ids without their positions', () => {
    const empty = RecentEvents.empty();
    expect([empty.length, empty.oldestPosition, empty.includes('a')]).to.deep.equal([0, undefined, false]);
    expect(empty.plus([], [], 4)).to.equal(empty);
    expect(() => empty.plus(['a'], [], 4)).to.throw(RangeError);
    expect(() => empty.plus(['a'], [1], 0)).to.throw(RangeError);
  });

  it('reads as a copy per version would, over any sequence of extensions of any versions made so far', () => {
    const step = fc.record({ from: fc.nat(), count: fc.integer({ min: 0, max: 7 }) });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.array(step, { maxLength: 60 }), (limit, steps) => {
        const versions: Array<{ recent: RecentEvents; model: Model }> = [{ recent: RecentEvents.empty(), model: { ids: [], positions: [] } }];
        const everyId: string[] = [];
        for (const { from, count } of steps) {
          const base = versions[from % versions.length]!;
          const ids = Array.from({ length: count }, () => {
            const id = `id-${everyId.length}`;
            everyId.push(id);
            return id;
          });
          const positions = ids.map((_, i) => everyId.length * 10 + i);
          versions.push({ recent: base.recent.plus(ids, positions, limit), model: extend(base.model, ids, positions, limit) });
        }
        // Every version, the oldest included: none was changed by what was made from it later.
        for (const { recent, model } of versions) agree(recent, model, everyId);
      }),
      { numRuns: 300 },
    );
  });
});
