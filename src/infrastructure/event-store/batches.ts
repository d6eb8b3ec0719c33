import type { RecordedEvent } from './event-store.js';

const NEXT_TURN = Symbol('next turn');

/**
 * Groups a subscription's events into batches: everything that is already available
 * when the loop comes round, up to `maxSize`. A lone live event is handed on at once.
 */
export async function* inBatches(source: AsyncIterable<RecordedEvent>, maxSize: number): AsyncGenerator<RecordedEvent[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<RecordedEvent>> | undefined;
  for (;;) {
    const first = await (pending ?? iterator.next());
    pending = undefined;
    if (first.done) return;
    const batch = [first.value];
    while (batch.length < maxSize) {
      pending = iterator.next();
      const next = await Promise.race([pending, nextTurn()]);
      if (next === NEXT_TURN) break;
      pending = undefined;
      if (next.done) {
        yield batch;
        return;
      }
      batch.push(next.value);
    }
    yield batch;
  }
}

const nextTurn = () => new Promise<typeof NEXT_TURN>((resolve) => setImmediate(resolve, NEXT_TURN));
