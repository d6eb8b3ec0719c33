import { LAG_COUNT_LIMIT, lagCounter } from '../infrastructure/event-store/lag.js';
import { JOBS, PARKED_JOBS } from '../processes/jobs.js';
import { PARKED_EVENTS } from '../processes/runner.js';
import type { AppDeps } from './deps.js';

/** The shop's own gauges in /metrics: the log's head, where each follower stands and how far behind, waiting and parked work. */
export const registerGauges = (deps: AppDeps) => {
  // Positions are the store's: event numbers on the embedded store, byte offsets on EventStoreDB. Lags are counted events.
  const position = 'embedded store: event number; EventStoreDB: byte offset in its log';
  deps.metrics.gauge('eventstore_head_position', `Position of the last event in the log (${position})`, [], async (set) =>
    set({}, await deps.eventStore.headPosition()),
  );
  deps.metrics.gauge('projection_checkpoint', `Position each projection has processed (${position})`, ['projection'], async (set) => {
    for (const { name } of deps.projections.projections) set({ projection: name }, deps.projections.checkpointOf(name) ?? 0);
  });
  const counted = `counted up to ${LAG_COUNT_LIMIT}`;
  deps.metrics.gauge('projection_lag_events', `Events each projection has still to read (${counted})`, ['projection'], async (set) => {
    const lagOf = lagCounter(deps.eventStore);
    for (const { name } of deps.projections.projections) {
      const { events } = await lagOf(deps.projections.checkpointOf(name) ?? 0);
      // Not counted (the store is down): left out, so the scrape of every other metric still answers.
      if (events !== null) set({ projection: name }, events);
    }
  });
  deps.metrics.gauge('process_manager_lag_events', `Events each process manager has still to read (${counted})`, ['process_manager'], async (set) => {
    const lagOf = lagCounter(deps.eventStore);
    for (const process of deps.processes) {
      const { events } = await lagOf(process.checkpoint);
      if (events !== null) set({ process_manager: process.name }, events);
    }
  });
  deps.metrics.gauge('jobs_waiting', 'Scheduled jobs (provider calls, timers, emails) not yet done', [], async (set) =>
    set({}, await deps.readModels.collection(JOBS).countDocuments({})),
  );
  deps.metrics.gauge('parked_total', 'Events and jobs parked after failing repeatedly', ['kind'], async (set) => {
    set({ kind: 'event' }, await deps.readModels.collection(PARKED_EVENTS).countDocuments({}));
    set({ kind: 'job' }, await deps.readModels.collection(PARKED_JOBS).countDocuments({}));
  });
};
