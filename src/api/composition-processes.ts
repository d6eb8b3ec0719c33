import { randomUUID } from 'node:crypto';
import { type DependencyContainer } from 'tsyringe';
import type { Cluster } from '../cluster/cluster.js';
import type { CommandHandler } from '../commands/command-handler.js';
import { jobClaimMs, type Config } from '../config.js';
import { SelfEndpoint } from '../infrastructure/carrier/self-endpoint.js';
import { SimulatedCarrier } from '../infrastructure/carrier/simulated-carrier.js';
import type { PaymentProvider } from '../infrastructure/payments/payment-provider.js';
import { SimulatedPaymentProvider } from '../infrastructure/payments/simulated-provider.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { ClusterView } from '../cluster/view.js';
import type { ErasureDeps } from '../commands/erasure-steps.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { LimitStore } from '../infrastructure/limits/limit-store.js';
import type { KeyStore } from '../privacy/key-store.js';
import type { Rebuilds } from '../operations/rebuild.js';
import { ALL_PROJECTIONS } from '../projections/index.js';
import { erasureManager } from '../processes/erasure.js';
import { jobHandlers, type CarrierJobDeps } from '../processes/job-handlers.js';
import { dueIn, JobRunner, scheduleJobs, type ScheduledJob } from '../processes/jobs.js';
import { notificationsManager } from '../processes/notifications.js';
import { orderSaga } from '../processes/order-saga.js';
import { ProcessManagerRunner, type ProcessRunnerDeps } from '../processes/runner.js';
import { subscriptionsManager } from '../processes/subscriptions.js';
import { once, T } from './composition-tokens.js';
import { carrierWebhookSecret, jwtSecret } from './lifecycle.js';
import { ResetLinks } from '../infrastructure/security/reset-links.js';
import { CriticalPath } from '../infrastructure/critical-path.js';
import type { LoginThrottle } from './rate-limits.js';

/** The composition root's process side: the payment provider, the carrier, the jobs and the process managers. */

/**
 * The carrier: the simulated one (no real carrier API is named yet; an adapter of the Carrier
 * port goes here). It is resolved on first use, so the operator tools never need its secret.
 */
const registerCarrier = (scope: DependencyContainer, config: Config) => {
  scope.register(T.selfEndpoint, once(() => new SelfEndpoint(config.host)));
  scope.register(
    T.carrier,
    once((c) => {
      const readModels = c.resolve<ReadModelStore>(T.readModels);
      const clock = c.resolve<() => Date>(T.clock);
      const endpoint = c.resolve<SelfEndpoint>(T.selfEndpoint);
      return new SimulatedCarrier(readModels, {
        transitMs: config.carrierTransitMs,
        deliveryMs: config.carrierDeliveryMs,
        secret: carrierWebhookSecret(config),
        clock,
        schedule: async (jobs) => {
          await scheduleJobs(readModels, jobs as unknown as ScheduledJob[], clock().toISOString());
          c.resolve<JobRunner>(T.jobs).wake(jobs);
        },
        send: (body, headers) => endpoint.post('/api/v1/carrier/events', body, headers),
      });
    }),
  );
  scope.register(
    T.shipping,
    once((c): CarrierJobDeps => {
      const carrier = () => c.resolve<SimulatedCarrier>(T.carrier);
      return {
        commands: c.resolve(T.commands),
        clock: c.resolve(T.clock),
        timeoutMs: config.carrierTimeoutMs,
        carrier: { book: (request) => carrier().book(request), cancel: (request) => carrier().cancel(request) },
        sendReport: (report) => carrier().sendReport(report),
      };
    }),
  );
};

/**
 * The erasure job's dependencies (src/commands/erasure-steps.ts). What only a server has (the
 * cluster's view of the read models, the limits) is resolved when a job runs: the operator
 * tools build the runners but run no jobs.
 */
const erasureDeps = (c: DependencyContainer, config: Config): ErasureDeps => {
  const clock = c.resolve<() => Date>(T.clock);
  const readModels = c.resolve<ReadModelStore>(T.views);
  const eventStore = c.resolve<EventStore>(T.eventStore);
  return {
    commands: c.resolve(T.commands),
    eventStore,
    readModels,
    keys: c.resolve<KeyStore>(T.keyStore),
    emails: c.resolve(T.emails),
    clock,
    logger: c.resolve(T.logger),
    retentionDays: config.invoiceRetentionDays,
    readModelsReached: (position, timeoutMs) => c.resolve<ClusterView>(T.clusterView).waitFor(position, timeoutMs),
    forgetSignIns: (account) => c.resolve<LoginThrottle>(T.loginThrottle).forget(account),
    truncateJournals: async () => {
      await Promise.all([eventStore.truncateJournal(), readModels.truncateJournal(), c.resolve<LimitStore>(T.limits).truncateJournal()]);
    },
    dropRetiredReadModels: () => c.resolve<Rebuilds>(T.rebuilds).dropRetired(ALL_PROJECTIONS.map((p) => p.name)),
    schedule: async (job) => {
      const now = clock();
      const scheduled = { ...job, dueInMs: dueIn(job.runAt, now.getTime()) };
      await scheduleJobs(readModels, [scheduled], now.toISOString());
      c.resolve<JobRunner>(T.jobs).wake([scheduled]);
    },
  };
};

/** The order saga and notifications, and the jobs they schedule (provider calls, timers, emails, bookings). */
export const registerProcesses = (scope: DependencyContainer, config: Config) => {
  scope.register(T.processId, once(() => randomUUID()));
  // One per process: the order saga and the payment jobs first, the projections and the rest after (see CriticalPath).
  scope.register(T.criticalPath, once(() => new CriticalPath()));
  // The mail job makes a reset's link as it sends it; the edge reads the link's token back.
  scope.register(T.resetLinks, once(() => new ResetLinks(jwtSecret(config), config.publicUrl)));
  registerCarrier(scope, config);
  scope.register(T.provider, once((c): PaymentProvider => new SimulatedPaymentProvider(c.resolve(T.readModels))));
  scope.register(
    T.jobs,
    once((c) => {
      const base = { commands: c.resolve<CommandHandler>(T.commands), clock: c.resolve<() => Date>(T.clock) };
      const handlers = jobHandlers(
        { ...base, provider: c.resolve(T.provider) },
        { readModels: c.resolve(T.views), mailer: c.resolve(T.mailer), clock: base.clock, logger: c.resolve(T.logger), links: c.resolve(T.resetLinks) },
        { ...base, products: c.resolve<ReadModelStore>(T.views).collection('products'), dayMs: config.subscriptionDayMs },
        c.resolve(T.shipping),
        erasureDeps(c, config),
      );
      const leaseMs = jobClaimMs(config.paymentTimeoutMs);
      // Claims of a process that died are taken again once it leaves the shop's live processes (a lease's length), not a job lease later.
      const liveOwners = async () => (await c.resolve<Cluster>(T.cluster).liveMembers()).map((member) => member._id);
      const owner = c.resolve<string>(T.processId);
      const criticalPath = c.resolve<CriticalPath>(T.criticalPath);
      return new JobRunner({ readModels: c.resolve(T.readModels), logger: c.resolve(T.logger), clock: base.clock, criticalPath }, handlers, { leaseMs, owner, liveOwners, concurrency: config.jobSlots, stopGraceMs: config.jobStopGraceMs });
    }),
  );
  scope.register(
    T.processes,
    once((c) => {
      const jobs = c.resolve<JobRunner>(T.jobs);
      const deps: ProcessRunnerDeps = {
        eventStore: c.resolve(T.eventStore),
        readModels: c.resolve(T.readModels),
        schema: c.resolve(T.schema),
        commands: c.resolve(T.commands),
        inventory: c.resolve(T.inventory),
        logger: c.resolve(T.logger),
        clock: c.resolve(T.clock),
        jobsScheduled: (scheduled) => jobs.wake(scheduled),
        claimJob: () => jobs.claimAtOnce(),
        criticalPath: c.resolve(T.criticalPath),
      };
      return [
        new ProcessManagerRunner(deps, orderSaga(config.paymentTimeoutMs, config.carrierTimeoutMs)),
        new ProcessManagerRunner(deps, notificationsManager),
        new ProcessManagerRunner(deps, subscriptionsManager(config.subscriptionDayMs)),
        new ProcessManagerRunner(deps, erasureManager),
      ];
    }),
  );
};
