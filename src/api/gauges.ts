import { LAG_COUNT_LIMIT, lagCounter } from '../infrastructure/event-store/lag.js';
import { DISCARDED_JOBS, JOB_LANES, JOBS, PARKED_JOBS } from '../processes/jobs.js';
import { DISCARDED_EVENTS, PARKED_EVENTS } from '../processes/parked-events.js';
import type { AppDeps } from './deps.js';

/**
 * The shop's own gauges in /metrics: the log's head, where each follower stands and how far
 * behind (wherever it runs), what this process holds, waiting and parked work.
 */
export const registerGauges = (deps: AppDeps) => {
  // Positions are the store's: event numbers on the embedded store, byte offsets on EventStoreDB. Lags are counted events.
  const position = 'embedded store: event number; EventStoreDB: byte offset in its log';
  deps.metrics.gauge('eventstore_head_position', `Position of the last event in the log (${position})`, [], async (set) =>
    set({}, await deps.eventStore.headPosition()),
  );
  const ofKind = async (kind: string) => (await deps.cluster.runners()).filter((r) => r.kind === kind);
  deps.metrics.gauge('projection_checkpoint', `Position each projection has processed (${position})`, ['projection'], async (set) => {
    for (const { name, position: at } of await ofKind('projection')) set({ projection: name }, at);
  });
  const counted = `counted up to ${LAG_COUNT_LIMIT}`;
  const lags = (kind: string, label: string) => async (set: (labels: Record<string, string>, value: number) => void) => {
    const lagOf = lagCounter(deps.eventStore);
    for (const runner of await ofKind(kind)) {
      const { events } = await lagOf(runner.position);
      // Not counted (the store is down): left out, so the scrape of every other metric still answers.
      if (events !== null) set({ [label]: runner.name }, events);
    }
  };
  deps.metrics.gauge('projection_lag_events', `Events each projection has still to read (${counted})`, ['projection'], lags('projection', 'projection'));
  deps.metrics.gauge('process_manager_lag_events', `Events each process manager has still to read (${counted})`, ['process_manager'], lags('process-manager', 'process_manager'));
  registerClusterGauges(deps);
  registerAdmissionGauges(deps);
  deps.metrics.gauge('jobs_waiting', 'Scheduled jobs (provider calls, timers, emails) not yet done', [], async (set) =>
    set({}, await deps.readModels.collection(JOBS).countDocuments({})),
  );
  deps.metrics.gauge('parked_total', 'Events and jobs parked after failing repeatedly', ['kind'], async (set) => {
    set({ kind: 'event' }, await deps.readModels.collection(PARKED_EVENTS).countDocuments({}));
    set({ kind: 'job' }, await deps.readModels.collection(PARKED_JOBS).countDocuments({}));
  });
  // Kept for good (src/operations/parked.ts): a count that only grows; its increase says how much work operators gave up on.
  deps.metrics.gauge('discarded_total', 'Parked events and jobs an operator discarded (kept with who, when and why)', ['kind'], async (set) => {
    set({ kind: 'event' }, await deps.readModels.collection(DISCARDED_EVENTS).countDocuments({}));
    set({ kind: 'job' }, await deps.readModels.collection(DISCARDED_JOBS).countDocuments({}));
  });
};

/** What this process holds (labelled with its id, so a scrape of every instance says who runs what), and its lease history. */
const registerClusterGauges = (deps: AppDeps) => {
  deps.metrics.gauge('cluster_runner_held', 'Runners (projections, process managers): 1 when this process holds its lease', ['runner', 'process'], async (set) => {
    const holds = new Set(deps.cluster.holds());
    for (const { name } of await deps.cluster.runners()) set({ runner: name, process: deps.cluster.processId }, holds.has(name) ? 1 : 0);
  });
  deps.metrics.gauge('cluster_processes', 'Live processes of the shop', [], async (set) => set({}, (await deps.cluster.processes()).length));
  deps.metrics.counter(
    'cluster_lease_events_total',
    'Leases claimed, taken over, released and lost, and writes refused under an old epoch, by this process since it started',
    ['runner', 'event', 'process'],
    (add) => {
      for (const { runner, event, count } of deps.cluster.leaseEvents()) add({ runner, event, process: deps.cluster.processId }, count);
    },
  );
};

/** Admission control for checkouts (src/admission/order-backlog.ts): how far behind the order saga is, and what that refused. */
const registerAdmissionGauges = (deps: AppDeps) => {
  deps.metrics.gauge('order_backlog_seconds', 'How far behind the shop is with orders: the larger of the age of the oldest event the order saga has still to read and the longest a due job of the payments lane has waited to start in any process (0: caught up); checkouts are refused above ORDER_BACKLOG_LIMIT_MS', [], async (set) => {
    const backlog = await deps.orderBacklog.current();
    // Not measured (the store is down): left out, as the lags are.
    if (backlog) set({}, backlog.behindMs / 1000);
  });
  deps.metrics.gauge('job_runner_behind_seconds', 'How long the earliest due job of this process has waited to start, by lane (0: none waits); checkouts count the payments lane', ['process', 'lane'], async (set) => {
    for (const lane of JOB_LANES) set({ process: deps.cluster.processId, lane }, deps.jobs.behindMs([lane]) / 1000);
  });
  deps.metrics.counter('checkouts_refused_total', 'Checkouts this process refused (503 orders-backlogged) since it started, the order saga being too far behind', [], (add) =>
    add({}, deps.orderBacklog.refused),
  );
};
