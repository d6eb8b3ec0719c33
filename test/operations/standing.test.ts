import { expect } from 'chai';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { standing } from '../../src/operations/standing.js';
import type { Projection } from '../../src/projections/projection.js';
import { appendOne } from '../projections/projection-fixture.js';

/** Where a read model stands, read from outside its runner: its checkpoint, or up to its next own event. */
describe('Where projections stand', () => {
  let events: SqliteEventStore;
  beforeEach(() => (events = new SqliteEventStore({ path: ':memory:' })));
  afterEach(async () => events.close());

  const projection = (name: string, ...eventTypes: string[]): Projection => ({ name, collection: name, eventTypes, documentIds: () => [], evolve: () => null });

  it('stands at its checkpoint when its next own event follows at once, just before it when others come first, at the head when none comes', async () => {
    const x1 = await appendOne(events, 'a-1', 'X', {});
    const y = await appendOne(events, 'b-1', 'Y', {});
    const z = await appendOne(events, 'c-1', 'Z', {});
    const x2 = await appendOne(events, 'a-1', 'X', {});
    const head = await events.headPosition();
    const [a, b, c, d] = [projection('a', 'X'), projection('b', 'Y'), projection('c', 'W'), projection('d', 'Y', 'Z')];
    const checkpoints = new Map([
      ['a', x1.position],
      ['b', 0],
      ['d', y.position],
    ]);

    const at = await standing({ eventStore: events, schema: eventSchema([]) }, [a, b, c, d], checkpoints, head);

    expect(Object.fromEntries(at)).to.deep.equal({
      a: z.position, // Y and Z change nothing of it; X at x2 does
      b: x1.position, // its first event, Y, comes right after x1
      c: head, // none of its events in the log
      d: y.position, // its checkpoint: Z, its next event, follows at once
    });
    expect(x2.position).to.equal(head);
  });

  it('never stands past the head it is given, even with a checkpoint beyond it (an event appended since)', async () => {
    const first = await appendOne(events, 'a-1', 'X', {});
    const second = await appendOne(events, 'a-1', 'X', {});
    const at = await standing({ eventStore: events, schema: eventSchema([]) }, [projection('a', 'X'), projection('b', 'Q')], new Map([['a', second.position]]), first.position);
    expect(Object.fromEntries(at)).to.deep.equal({ a: first.position, b: first.position });
  });
});
