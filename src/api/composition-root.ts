import { createHmac } from 'node:crypto';
import { HashesInFlight } from './hashes-in-flight.js';
import { LiveStreams } from './live-streams.js';
import { hostname } from 'node:os';
import { pino, type Logger } from 'pino';
import { loggerOptions } from './log-privacy.js';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { ORDER_SAGA, OrderBacklog } from '../admission/order-backlog.js';
import { Cluster } from '../cluster/cluster.js';
import { ProcessHost, ProjectionHost } from '../cluster/hosts.js';
import { RunnerBoard, type ClusterView } from '../cluster/view.js';
import { CommandHandler } from '../commands/command-handler.js';
import type { Config } from '../config.js';
import { inventoryDeciderFor } from '../domain/inventory/inventory.js';
import { eventSchema, type EventSchema } from '../domain/shared/event-schema.js';
import { UPCASTERS } from '../domain/upcasters.js';
import { SelfEndpoint } from '../infrastructure/carrier/self-endpoint.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { LimitStore } from '../infrastructure/limits/limit-store.js';
import { OutboxMailer, type Mailer } from '../infrastructure/mail/mailer.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { PasswordHasher } from '../infrastructure/security/passwords.js';
import { KeyedEmailIndex } from '../privacy/email-index.js';
import { ReadModelSnapshots } from '../infrastructure/snapshots/read-model-snapshots.js';
import { Rebuilds } from '../operations/rebuild.js';
import { type CarrierJobDeps } from '../processes/job-handlers.js';
import { ORDER_LANES, type JobRunner } from '../processes/jobs.js';
import { ProcessManagerRunner } from '../processes/runner.js';
import { ALL_PROJECTIONS } from '../projections/index.js';
import { ProjectionViews } from '../projections/views.js';
import { registerProcesses } from './composition-processes.js';
import type { KeyStore } from '../privacy/key-store.js';
import { openKeyStore, openLimits, openMailer, openPersonalEventStore, openReadModels } from './composition-stores.js';
import { once, T } from './composition-tokens.js';
import { openDataDir } from './data-dir.js';
import { shopDataProblem } from './shop-data.js';
import type { AppDeps } from './deps.js';
import { registerGauges } from './gauges.js';
import { carrierWebhookSecret, jwtSecret, lifecycle, loginPseudonymKey, type System } from './lifecycle.js';
import { useCursorKey } from '../projections/page-cursor.js';
import type { CriticalPath } from '../infrastructure/critical-path.js';

export type { System } from './lifecycle.js';

type Edge = typeof import('./edge.js');

/**
 * The composition root: the only place that knows which adapter backs which port, and
 * the only user of tsyringe (with its parts: composition-tokens.ts, the tokens;
 * composition-stores.ts, the stores of an environment; composition-processes.ts, the
 * provider, the carrier, the jobs and the process managers). Every dependency is registered
 * under an explicit token, so nothing depends on decorator metadata.
 */


export const compose = async (config: Config, logger: Logger = pino(loggerOptions(config.logLevel))): Promise<System> => {
  // Refused before anything is opened or written: not once the stores hold a half-made shop.
  // Loaded here: its rules are the edge's (class-validator), which the operator tools never load.
  await (await import('./admin-account.js')).checkAdminAccount(config);
  openDataDir(config.dataDir, logger);
  const scope = rootContainer.createChildContainer();
  scope.register(T.config, { useValue: config });
  scope.register(T.logger, { useValue: logger });
  scope.register(T.clock, { useValue: () => new Date() });
  await registerStores(scope, config, logger);
  scope.register(T.mailer, { useValue: await openMailer(config) });
  scope.register(T.limits, { useValue: await openLimits(config, scope.resolve(T.readModels), logger) });
  registerServices(scope, config);
  const edge = await import('./edge.js');
  registerEdge(scope, config, edge);
  // Every process of the shop signs and reads the lists' cursors with one key (see page-cursor.ts).
  useCursorKey(jwtSecret(config));
  registerCluster(scope, config);
  const deps = resolveDeps(scope);
  registerGauges(deps);
  const parts = { mailer: scope.resolve<Mailer>(T.mailer), cluster: scope.resolve<Cluster>(T.cluster), limits: scope.resolve<LimitStore>(T.limits) };
  const system = lifecycle(config, deps, parts, edge);
  // The simulated carrier posts its reports to this process's server once it listens.
  const endpoint = scope.resolve<SelfEndpoint>(T.selfEndpoint);
  const start = system.start.bind(system);
  system.start = async () => {
    const port = await start();
    endpoint.listening(port);
    return port;
  };
  return system;
};

/** What the command-line tools need: the stores of this environment and the domain's schema, no HTTP. */
export type Tools = {
  config: Config;
  logger: Logger;
  eventStore: EventStore;
  readModels: ReadModelStore;
  schema: EventSchema;
  commands: CommandHandler;
  rebuilds: Rebuilds;
  /** The process managers' runners, not started: for replaying parked events. */
  processes: ProcessManagerRunner<unknown>[];
  close(): Promise<void>;
};

export const composeTools = async (config: Config, logger: Logger = pino(loggerOptions(config.logLevel))): Promise<Tools> => {
  // The tools work on an existing shop: a mistyped DATA_DIR must not become an empty new one.
  const problem = shopDataProblem(config);
  if (problem) throw new Error(problem);
  const scope = rootContainer.createChildContainer();
  scope.register(T.config, { useValue: config });
  scope.register(T.logger, { useValue: logger });
  await registerStores(scope, config, logger);
  scope.register(T.clock, { useValue: () => new Date() });
  // The tools run no jobs: nothing is ever mailed from them.
  scope.register(T.mailer, { useValue: new OutboxMailer() });
  registerServices(scope, config);
  const eventStore = scope.resolve<EventStore>(T.eventStore);
  const readModels = scope.resolve<ReadModelStore>(T.readModels);
  return {
    config,
    logger,
    eventStore,
    readModels,
    schema: scope.resolve(T.schema),
    commands: scope.resolve(T.commands),
    rebuilds: scope.resolve(T.rebuilds),
    processes: scope.resolve(T.processes),
    close: async () => {
      await eventStore.close();
      await readModels.close();
    },
  };
};

/** The read models, the key store (beside them on MongoDB) and the log sealed with its keys. */
const registerStores = async (scope: DependencyContainer, config: Config, logger: Logger) => {
  const readModels = await openReadModels(config);
  const eventStore = await openPersonalEventStore(config, logger, await openKeyStore(config, readModels, logger));
  scope.register(T.readModels, { useValue: readModels });
  // The keys as the sealing layer sees them: destroying one there is forgotten by the layer at once.
  scope.register(T.keyStore, { useValue: eventStore.keys });
  scope.register(T.eventStore, { useValue: eventStore });
};

const registerServices = (scope: DependencyContainer, config: Config) => {
  scope.register(T.schema, once(() => eventSchema(UPCASTERS)));
  scope.register(T.emails, once((c) => new KeyedEmailIndex(c.resolve(T.keyStore))));
  scope.register(T.inventory, once(() => inventoryDeciderFor(config.lowStockThreshold)));
  scope.register(T.views, once((c) => new ProjectionViews(c.resolve(T.readModels))));
  scope.register(
    T.rebuilds,
    once(
      (c) =>
        new Rebuilds({
          eventStore: c.resolve(T.eventStore),
          store: c.resolve(T.readModels),
          schema: c.resolve(T.schema),
          logger: c.resolve(T.logger),
          projections: ALL_PROJECTIONS,
          views: c.resolve(T.views),
        }),
    ),
  );
  scope.register(
    T.commands,
    once((c) => {
      const logger = c.resolve<Logger>(T.logger);
      const keys = c.resolve<KeyStore>(T.keyStore);
      return new CommandHandler(c.resolve(T.eventStore), {
        schema: c.resolve(T.schema),
        // A key destroyed by any process (an erasure) makes the states folded before it read again.
        keyDestructions: () => keys.destructions(),
        snapshots: new ReadModelSnapshots(c.resolve(T.readModels)),
        onSnapshotError: (error, streamName) => logger.warn({ err: error, streamName }, 'could not save a snapshot'),
      });
    }),
  );
  registerProcesses(scope, config);
};

/**
 * This process's part in the shop: leases for the projections and process managers, the
 * hosts that run what it holds, and the view of every runner wherever it runs.
 */
const registerCluster = (scope: DependencyContainer, config: Config) => {
  scope.register(
    T.projectionHost,
    once((c) => {
      const rebuilds = c.resolve<Rebuilds>(T.rebuilds);
      const deps = {
        eventStore: c.resolve<EventStore>(T.eventStore), readModels: c.resolve<ReadModelStore>(T.readModels), schema: c.resolve<EventSchema>(T.schema), logger: c.resolve<Logger>(T.logger),
        // Another process's rebuild (the CLI's) swapped a collection in: this process's queries read it from now on.
        swapped: () => c.resolve<ProjectionViews>(T.views).invalidate(),
        criticalPath: c.resolve<CriticalPath>(T.criticalPath),
      };
      // Read models another version of their projection folded are rebuilt by the process that runs them.
      // And the old versions of their collections a rebuild retired and did not drop (its process stopped in the grace).
      return new ProjectionHost(deps, ALL_PROJECTIONS, { rebuildOutdated: (names) => rebuilds.startOutdated(names), dropRetired: (names) => rebuilds.dropRetired(names) });
    }),
  );
  scope.register(T.processHost, once((c) => new ProcessHost(c.resolve(T.processes))));
  scope.register(
    T.cluster,
    once(
      (c) =>
        new Cluster(
          { store: c.resolve(T.readModels), logger: c.resolve(T.logger) },
          {
            leaseMs: config.leaseMs,
            heartbeatMs: config.leaseHeartbeatMs,
            pid: process.pid,
            host: hostname(),
            id: c.resolve<string>(T.processId),
            report: () => c.resolve<OrderBacklog>(T.orderBacklog).local(),
          },
          [c.resolve(T.projectionHost), c.resolve(T.processHost)],
        ),
    ),
  );
  scope.register(
    T.clusterView,
    once((c) => {
      const projections = c.resolve<ProjectionHost>(T.projectionHost);
      const processes = c.resolve<ProcessHost>(T.processHost);
      const local = { projections: () => projections.current(), process: (name: string) => processes.current(name) };
      const deps = { store: c.resolve<ReadModelStore>(T.readModels), eventStore: c.resolve<EventStore>(T.eventStore), schema: c.resolve<EventSchema>(T.schema) };
      const views = c.resolve<ProjectionViews>(T.views);
      return new RunnerBoard(deps, c.resolve(T.cluster), local, ALL_PROJECTIONS, processes.names, {
        checkpointsRead: (checkpoints, readAt) => views.adopt(checkpoints, readAt),
      });
    }),
  );
};

/** What serves HTTP: tokens, accounts, limits, idempotency keys, read-your-writes, metrics. */
const registerEdge = (scope: DependencyContainer, config: Config, edge: Edge) => {
  scope.register(T.passwords, once(() => new PasswordHasher(config.passwordHashCost)));
  scope.register(T.tokens, once(() => new edge.TokenIssuer(jwtSecret(config), config.tokenTtlSeconds)));
  // On the embedded log a read asks the account's stream as a write does (cheap there): an erasure or demotion elsewhere holds at once.
  scope.register(T.accounts, once((c) => edge.accountRoles(c.resolve(T.views), c.resolve(T.commands), { readsAskStream: !config.eventStoreUrl })));
  scope.register(T.loginThrottle, once((c) => new edge.LoginThrottle(config.loginMaxFailures, config.loginLockoutSeconds, c.resolve(T.limits), loginPseudonymKey(config), config.loginAccountMaxFailures)));
  scope.register(T.clientLimit, once((c) => new edge.ClientRateLimit(config.rateLimitPerMinute, c.resolve(T.limits))));
  scope.register(T.credentialLimit, once((c) => new edge.CredentialRateLimit(config.credentialAttemptsPerMinute, c.resolve(T.limits))));
  // Fingerprints of request bodies (a password among them) keyed with the shop's secret: see IdempotencyKeys.
  const fingerprints = () => createHmac('sha256', jwtSecret(config)).update('idempotency fingerprints').digest();
  scope.register(T.idempotency, once((c) => new edge.IdempotencyKeys(c.resolve(T.views), undefined, c.resolve(T.logger), undefined, undefined, fingerprints())));
  scope.register(T.sessions, once((c) => new edge.SessionPositions(c.resolve<ClusterView>(T.clusterView), config.readWaitMs, c.resolve(T.readModels), c.resolve(T.logger), () => c.resolve<EventStore>(T.eventStore).headPosition())));
  scope.register(T.metrics, once(() => new edge.Metrics()));
  scope.register(
    T.orderBacklog,
    once((c) => {
      const view = c.resolve<ClusterView>(T.clusterView);
      const cluster = c.resolve<Cluster>(T.cluster);
      const jobs = c.resolve<JobRunner>(T.jobs);
      const processes = c.resolve<ProcessHost>(T.processHost);
      return new OrderBacklog(
        {
          localSaga: () => processes.current(ORDER_SAGA),
          runners: () => view.runners(),
          members: () => cluster.liveMembers(),
          self: cluster.id,
          jobsBehindMs: () => jobs.behindMs(ORDER_LANES),
          eventStore: c.resolve(T.eventStore),
        },
        { limitMs: config.orderBacklogLimitMs, heartbeatMs: config.leaseHeartbeatMs },
      );
    }),
  );
};

const resolveDeps = (scope: DependencyContainer): AppDeps => ({
  config: scope.resolve(T.config),
  logger: scope.resolve(T.logger),
  clock: scope.resolve(T.clock),
  eventStore: scope.resolve(T.eventStore),
  schema: scope.resolve(T.schema),
  readModels: scope.resolve(T.views),
  commands: scope.resolve(T.commands),
  provider: scope.resolve(T.provider),
  shipping: { ...scope.resolve<CarrierJobDeps>(T.shipping), webhookSecret: carrierWebhookSecret(scope.resolve<Config>(T.config)) },
  inventory: scope.resolve(T.inventory),
  cluster: scope.resolve(T.clusterView),
  passwords: scope.resolve(T.passwords),
  emails: scope.resolve(T.emails),
  tokens: scope.resolve(T.tokens),
  resetLinks: scope.resolve(T.resetLinks),
  accounts: scope.resolve(T.accounts),
  loginThrottle: scope.resolve(T.loginThrottle),
  clientLimit: scope.resolve(T.clientLimit),
  credentialLimit: scope.resolve(T.credentialLimit),
  hashesInFlight: new HashesInFlight(scope.resolve<Config>(T.config).passwordHashesInFlight),
  idempotency: scope.resolve(T.idempotency),
  sessions: scope.resolve(T.sessions),
  metrics: scope.resolve(T.metrics),
  orderBacklog: scope.resolve(T.orderBacklog),
  processes: scope.resolve(T.processes),
  jobs: scope.resolve(T.jobs),
  rebuilds: scope.resolve(T.rebuilds),
  liveStreams: new LiveStreams(),
});
