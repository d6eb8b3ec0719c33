import { expect } from 'chai';
import type { ChainedApp } from '../../src/api/request-chain.js';
import { join } from 'node:path';
import { pino } from 'pino';
import supertest from 'supertest';
import { createApp } from '../../src/api/app.js';
import { accountRoles } from '../../src/api/account-roles.js';
import { TokenIssuer } from '../../src/api/auth.js';
import { ResetLinks } from '../../src/infrastructure/security/reset-links.js';
import { HashesInFlight } from '../../src/api/hashes-in-flight.js';
import { LiveStreams } from '../../src/api/live-streams.js';
import { SessionPositions } from '../../src/api/consistency.js';
import type { AppDeps } from '../../src/api/deps.js';
import { IdempotencyKeys } from '../../src/api/idempotency.js';
import { Metrics } from '../../src/api/observability.js';
import { ClientRateLimit, CredentialRateLimit, LoginThrottle } from '../../src/api/rate-limits.js';
import { registerCustomer } from '../../src/commands/accounts.js';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDeciderFor } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { OutboxMailer } from '../../src/infrastructure/mail/mailer.js';
import { SimulatedPaymentProvider } from '../../src/infrastructure/payments/simulated-provider.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { KeyedEmailIndex } from '../../src/privacy/email-index.js';
import { PersonalDataEventStore } from '../../src/privacy/personal-data-event-store.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';
import { jobHandlers } from '../../src/processes/job-handlers.js';
import { JobRunner, ORDER_LANES, scheduleJobs, type ScheduledJob } from '../../src/processes/jobs.js';
import type { CarrierReport } from '../../src/infrastructure/carrier/carrier.js';
import { SimulatedCarrier } from '../../src/infrastructure/carrier/simulated-carrier.js';
import { notificationsManager } from '../../src/processes/notifications.js';
import { orderSaga } from '../../src/processes/order-saga.js';
import { subscriptionsManager } from '../../src/processes/subscriptions.js';
import { erasureManager } from '../../src/processes/erasure.js';
import type { ErasureDeps } from '../../src/commands/erasure-steps.js';
import { dueIn } from '../../src/processes/jobs.js';
import type { Job } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { ALL_PROJECTIONS } from '../../src/projections/index.js';
import { Rebuilds } from '../../src/operations/rebuild.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import { ProjectionViews } from '../../src/projections/views.js';
import { RunnerBoard } from '../../src/cluster/view.js';
import { OrderBacklog } from '../../src/admission/order-backlog.js';
import { checkedAgent } from './contract.js';
import type { TestAppOptions } from './test-app-options.js';
import { soloCluster } from './solo-cluster.js';
import { tempDir } from './temp-dir.js';

export type { TestAppOptions };

export type TestApp = Awaited<ReturnType<typeof startTestApp>>;

/** An app, its admin's token and a signed-in shopper: what an HTTP test of a shopper's way starts with. */
export const startShopWithShopper = async (options: TestAppOptions = {}) => {
  const app = await startTestApp(options);
  return { app, admin: await app.adminToken(), shopper: await app.customer() };
};

export const ADMIN = { email: 'admin@test.local', password: 'admin-password' };
/** The secret the test carrier signs its webhooks with (CARRIER_WEBHOOK_SECRET). */
export const CARRIER_SECRET = 'test-carrier-webhook-secret-0123456789';

/**
 * The whole HTTP app on the embedded stores in a temp dir, wired with plain objects
 * (no container), plus helpers to sign in and to look at the log.
 */
export const startTestApp = async (options: TestAppOptions = {}) => {
  const dir = tempDir();
  const logger = pino({ level: 'silent' });
  const embedded = new SqliteEventStore({ path: join(dir.path, 'events.db') });
  // As the composition root does: personal fields sealed with keys kept apart from the log (keys.db).
  const eventStore = new PersonalDataEventStore(options.eventStore ? options.eventStore(embedded) : embedded, new SqliteKeyStore(join(dir.path, 'keys.db')));
  const keyStore = eventStore.keys;
  const store = new EmbeddedReadModelStore({ path: join(dir.path, 'read-models.db') });
  const readModels = new ProjectionViews(store);
  const schema = eventSchema(UPCASTERS);
  const commands = new CommandHandler(eventStore, { keyDestructions: () => eventStore.keys.destructions(), ...options.commandOptions?.(store), schema });
  const projections = new ProjectionRunner({ eventStore, readModels: store, schema, logger, swapped: () => readModels.invalidate() }, ALL_PROJECTIONS);
  const rebuilds = new Rebuilds({ eventStore, store, schema, logger, projections: ALL_PROJECTIONS, views: readModels }, { graceMs: 200 });
  const clock = options.now ?? (() => new Date());
  const provider = new SimulatedPaymentProvider(readModels);
  const wrappedProvider = options.provider ? options.provider(provider) : provider;
  const mailer = options.mailer ?? new OutboxMailer();
  let app: ChainedApp | undefined;
  const carrier = new SimulatedCarrier(readModels, {
    transitMs: options.carrierTransitMs ?? 60_000,
    deliveryMs: options.carrierDeliveryMs ?? 60_000,
    secret: CARRIER_SECRET,
    clock,
    schedule: async (scheduled) => {
      await scheduleJobs(readModels, scheduled as unknown as ScheduledJob[], clock().toISOString());
      jobs.wake(scheduled);
    },
    // Posted through the app as any client would (the answer checked against the contract).
    send: async (body, headers) => (await checkedAgent(supertest(app!)).post('/api/v1/carrier/events').set(headers).set('Content-Type', 'application/json').send(body)).status,
  });
  const shipping = {
    commands,
    carrier: options.carrier ? options.carrier(carrier) : carrier,
    clock,
    timeoutMs: options.carrierTimeoutMs ?? 2000,
    sendReport: (report: CarrierReport) => carrier.sendReport(report),
  };
  const keys = keyStore;
  const emails = new KeyedEmailIndex(keyStore);
  const loginThrottle = new LoginThrottle(options.loginMaxFailures ?? 5, 900, undefined, undefined, options.loginAccountMaxFailures);
  const resetLinks = new ResetLinks(TEST_SECRET, 'http://shop.test');
  const erasure: ErasureDeps = {
    commands,
    eventStore,
    readModels,
    keys,
    emails,
    clock,
    logger,
    retentionDays: options.invoiceRetentionDays ?? 3650,
    readModelsReached: (position, timeoutMs) => cluster.waitFor(position, timeoutMs),
    forgetSignIns: (account) => loginThrottle.forget(account),
    truncateJournals: async () => {
      await Promise.all([eventStore.truncateJournal(), readModels.truncateJournal()]);
    },
    dropRetiredReadModels: () => rebuilds.dropRetired(ALL_PROJECTIONS.map((p) => p.name)),
    schedule: async (job) => {
      const scheduled = { ...job, dueInMs: dueIn(job.runAt, clock().getTime()) };
      await scheduleJobs(readModels, [scheduled], clock().toISOString());
      jobs.wake([scheduled]);
    },
  };
  const jobs: JobRunner = new JobRunner(
    { readModels, logger, clock },
    jobHandlers(
      { commands, provider: wrappedProvider, clock },
      { readModels, mailer, clock, logger, links: resetLinks },
      { commands, products: readModels.collection('products'), clock, dayMs: options.subscriptionDayMs ?? 86_400_000 },
      shipping,
      erasure,
    ),
    { pollMs: 50, maxAttempts: options.jobs?.maxAttempts ?? 5, retryBaseMs: options.jobs?.retryBaseMs ?? 5 },
  );
  const inventory = inventoryDeciderFor(options.lowStockThreshold ?? 5);
  const processDeps = { eventStore, readModels, schema, commands, inventory, logger, clock, jobsScheduled: (scheduled: Job[]) => jobs.wake(scheduled) };
  const processes = [
    new ProcessManagerRunner(processDeps, orderSaga(options.paymentTimeoutMs ?? 30_000, shipping.timeoutMs), { retryDelayMs: 10 }),
    new ProcessManagerRunner(processDeps, notificationsManager, { retryDelayMs: 10 }),
    new ProcessManagerRunner(processDeps, subscriptionsManager(options.subscriptionDayMs ?? 86_400_000), { retryDelayMs: 10 }),
    new ProcessManagerRunner(processDeps, erasureManager, { retryDelayMs: 10 }),
  ];
  const names = [...ALL_PROJECTIONS.map((p) => p.name), ...processes.map((p) => p.name)];
  const local = { projections: () => projections, process: (name: string) => processes.find((p) => p.name === name) };
  const cluster = new RunnerBoard({ store, eventStore, schema }, soloCluster(names), local, ALL_PROJECTIONS, processes.map((p) => p.name));
  // The projection runner too: tests stop and start it to make the read models lag.
  const deps: AppDeps & { projections: ProjectionRunner } = {
    config: { currency: 'USD', rateLimitPerMinute: options.rateLimitPerMinute ?? 0, trustProxy: options.trustProxy ? 1 : false, corsOrigins: options.corsOrigins ?? [], cacheMaxAgeS: options.cacheMaxAgeS ?? 5, subscriptionDayMs: options.subscriptionDayMs ?? 86_400_000 },
    logger,
    clock,
    eventStore,
    schema,
    readModels,
    commands,
    provider: wrappedProvider,
    shipping: { ...shipping, webhookSecret: CARRIER_SECRET },
    inventory,
    cluster,
    projections,
    passwords: options.passwords?.(new PasswordHasher(10)) ?? new PasswordHasher(10),
    emails,
    tokens: new TokenIssuer(TEST_SECRET, 3600, () => clock().getTime()),
    resetLinks,
    // As the embedded shop composes it (composition-root): reads ask the account's stream too.
    accounts: accountRoles(readModels, commands, { readsAskStream: true }),
    loginThrottle,
    clientLimit: new ClientRateLimit(options.rateLimitPerMinute ?? 0),
    credentialLimit: new CredentialRateLimit(options.credentialAttemptsPerMinute ?? 0),
    hashesInFlight: new HashesInFlight(options.passwordHashesInFlight ?? 0, options.passwordChecksWaiting),
    idempotency: new IdempotencyKeys(readModels),
    sessions: new SessionPositions(cluster, options.readWaitMs ?? 5000, undefined, undefined, () => eventStore.headPosition()),
    metrics: new Metrics(),
    orderBacklog: new OrderBacklog(
      { localSaga: () => local.process('order-saga'), runners: () => cluster.runners(), members: async () => [], self: 'solo', jobsBehindMs: () => jobs.behindMs(ORDER_LANES), eventStore },
      { limitMs: options.orderBacklogLimitMs ?? 10_000, refreshMs: options.orderBacklogRefreshMs, heartbeatMs: 1000 },
    ),
    processes,
    jobs,
    rebuilds,
    liveStreams: options.liveStreams ?? new LiveStreams(),
  };
  await projections.start();
  for (const process of processes) await process.start();
  jobs.start();
  app = createApp(deps);
  const system = { commands, passwords: deps.passwords, emails: deps.emails };
  const context = { correlationId: 'test-setup', causationId: 'test-setup', actor: 'system', now: new Date().toISOString() };
  await registerCustomer(system, { ...ADMIN, name: 'Admin', role: 'admin' }, context);

  // Every answer is checked against the OpenAPI document (./contract.ts).
  const http = () => checkedAgent(supertest(app));
  const tokenFor = async (email: string, password: string): Promise<string> => {
    const res = await http().post('/api/v1/account/login').send({ email, password });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.token as string;
  };
  let customers = 0;

  return {
    app,
    deps,
    store,
    provider,
    carrier,
    keys,
    /** What the erasure jobs run with (to run a step again, or with a part replaced). */
    erasure,
    http,
    adminToken: () => tokenFor(ADMIN.email, ADMIN.password),
    /** Registers a fresh customer and signs in. */
    customer: async (name = 'Shopper') => {
      customers += 1;
      const email = `shopper${customers}-${Date.now()}@test.local`;
      const res = await http().post('/api/v1/account/register').send({ email, password: 'correct-horse', name });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      return { customerId: res.body.customerId as string, email, token: await tokenFor(email, 'correct-horse') };
    },
    /** Every event in the log, oldest first (personal fields opened, as every reader sees them). */
    events: (): Promise<RecordedEvent[]> => eventStore.readAll(),
    /** Every event as the log's file holds it: personal fields sealed. */
    storedEvents: (): Promise<RecordedEvent[]> => embedded.readAll(),
    keyStore,
    dataDir: dir.path,
    head: () => eventStore.headPosition(),
    /** Waits until the read models include everything appended so far. */
    settled: async () => expect(await projections.waitFor(await eventStore.headPosition(), 5000)).to.equal(true),
    close: async () => {
      // A rebuild a request started keeps its own timers; stopped first, or it outlives the app.
      await rebuilds.stop();
      for (const process of processes) await process.stop();
      await jobs.stop();
      await projections.stop();
      await eventStore.close();
      await embedded.close();
      await readModels.close();
      dir.remove();
    },
  };
};

/**
 * Runs a request and asserts that it appended nothing: no event in the log carries its
 * request id as correlation id (the saga may append in the background meanwhile).
 */
export const appendsNothing = async (app: TestApp, act: () => Promise<supertest.Response>): Promise<supertest.Response> => {
  const res = await act();
  const requestId = res.headers['x-request-id'];
  expect(requestId, 'every answer carries its request id').to.be.a('string');
  const caused = (await app.events()).filter((event) => event.metadata.correlationId === requestId);
  expect(caused.map((e) => e.type), 'a rejected request appended events').to.deep.equal([]);
  return res;
};

/** Creates a product through the API and returns its id. */
/** The test apps' token signing secret (a test may sign a token of another lifetime with it). */
export const TEST_SECRET = 'test-secret-of-enough-length-0123456789';

export const createProduct = async (
  app: TestApp,
  token: string,
  overrides: Partial<{ sku: string; name: string; brand: string; category: string; price: number; description: string }> = {},
) => {
  const { price, ...rest } = overrides;
  const body = {
    sku: `SKU-${Math.random().toString(36).slice(2, 10)}`,
    name: 'Widget',
    description: 'A widget',
    brand: 'Acme',
    category: 'Tools',
    ...rest,
    price: { amount: price ?? 1999, currency: 'USD' },
  };
  const res = await app.http().post('/api/v1/products').set('Authorization', `Bearer ${token}`).send(body);
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return { productId: res.body.productId as string, sku: body.sku };
};

export const expectProblem = (res: supertest.Response, status: number) => {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status });
  expect(res.body.type).to.be.a('string');
  expect(res.body.title).to.be.a('string');
  expect(res.body.detail).to.be.a('string');
};
