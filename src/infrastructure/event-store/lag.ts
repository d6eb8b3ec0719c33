import type { EventStore } from './event-store.js';

/**
 * A follower's lag, in events: positions are no count of events on EventStoreDB (they are
 * byte offsets in its log), so the events after the checkpoint are counted, up to
 * LAG_COUNT_LIMIT (EventStoreDB reads them to count them). At the limit the lag is "at
 * least" that: compare the checkpoint with the head position for how far in the log.
 */
export const LAG_COUNT_LIMIT = 1000;

export type Lag = { events: number; exact: boolean };

/** Counts once per distinct checkpoint (the runners often share one). */
export const lagCounter = (eventStore: EventStore) => {
  const counted = new Map<number, Promise<Lag>>();
  return (checkpoint: number): Promise<Lag> => {
    let lag = counted.get(checkpoint);
    if (!lag) {
      lag = eventStore.countEventsAfter(checkpoint, LAG_COUNT_LIMIT).then((events) => ({ events, exact: events < LAG_COUNT_LIMIT }));
      counted.set(checkpoint, lag);
    }
    return lag;
  };
};
