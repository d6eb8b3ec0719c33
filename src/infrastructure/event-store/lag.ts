import { describeError, type EventStore } from './event-store.js';

/**
 * A follower's lag, in events: positions are no count of events on EventStoreDB (they are
 * byte offsets in its log), so the events after the checkpoint are counted, up to
 * LAG_COUNT_LIMIT (EventStoreDB reads them to count them). At the limit the lag is "at
 * least" that: compare the checkpoint with the head position for how far in the log.
 */
export const LAG_COUNT_LIMIT = 1000;

/**
 * `events: null` when the store could not count (it is down, or refuses the checkpoint): the
 * status lists and metrics that show the lag must still answer, since that is when they matter.
 */
export type Lag = { events: number; exact: boolean } | { events: null; exact: false; error: string };

/** Counts once per distinct checkpoint (the runners often share one). */
export const lagCounter = (eventStore: EventStore) => {
  const counted = new Map<number, Promise<Lag>>();
  return (checkpoint: number): Promise<Lag> => {
    let lag = counted.get(checkpoint);
    if (!lag) {
      lag = eventStore.countEventsAfter(checkpoint, LAG_COUNT_LIMIT).then(
        (events): Lag => ({ events, exact: events < LAG_COUNT_LIMIT }),
        (error: unknown): Lag => ({ events: null, exact: false, error: describeError(error) }),
      );
      counted.set(checkpoint, lag);
    }
    return lag;
  };
};

/** The lag's fields in a status list: `lag`, `lagExact`, and `lagError` when it could not be counted. */
export const lagFields = (lag: Lag) => ({ lag: lag.events, lagExact: lag.exact, ...(lag.events === null ? { lagError: lag.error } : {}) });
