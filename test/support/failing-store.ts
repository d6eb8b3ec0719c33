import type { EventStore, EventToAppend } from '../../src/infrastructure/event-store/event-store.js';

/** Which append to fail: by its stream and the events it carries. */
export type AppendMatcher = (streamName: string, events: readonly EventToAppend[]) => boolean;

export class InjectedFailure extends Error {}

/**
 * The store, except that the first append `matches` picks fails before it reaches the log,
 * as a crash or an outage between two appends of one command would leave things.
 * `failed()` tells whether it has fired.
 */
export const failingOnce = (store: EventStore, matches: AppendMatcher): EventStore & { failed: () => boolean } => {
  let fired = false;
  const appendToStream: EventStore['appendToStream'] = async (streamName, events, options) => {
    if (!fired && matches(streamName, events)) {
      fired = true;
      throw new InjectedFailure(`injected failure appending ${events.map((e) => e.type).join(', ')} to ${streamName}`);
    }
    return store.appendToStream(streamName, events, options);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendToStream') return appendToStream;
      if (property === 'failed') return () => fired;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as EventStore & { failed: () => boolean };
};

/** Matches appends that carry an event of `type` for which `where` holds. */
export const appendOf =
  (type: string, where: (event: EventToAppend) => boolean = () => true): AppendMatcher =>
  (_streamName, events) =>
    events.some((event) => event.type === type && where(event));

/** True for an event appended by a request or a job, not by a process manager in the background. */
export const byRequest = (event: EventToAppend) => !String(event.metadata.actor ?? '').startsWith('process:');
