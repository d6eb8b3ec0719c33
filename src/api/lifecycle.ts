import nodeCluster from 'node:cluster';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { v4 as uuidv4 } from 'uuid';
import type { Cluster } from '../cluster/cluster.js';
import { serveHandedOut } from '../cluster/connection-handout.js';
import { ensureAdmin } from '../commands/accounts.js';
import type { CommandContext } from '../commands/command-handler.js';
import { demoCatalogUnfinished, seedDemoCatalog } from '../commands/demo-catalog.js';
import { CARRIER_SECRET_MIN_LENGTH, ConfigError, JWT_SECRET_MIN_LENGTH, type Config } from '../config.js';
import type { Logger } from 'pino';
import { ConflictError } from '../domain/shared/errors.js';
import type { LimitStore } from '../infrastructure/limits/limit-store.js';
import type { Mailer } from '../infrastructure/mail/mailer.js';
import { answerUnparsableRequests } from './client-errors.js';
import { drainable, type Drainable } from './http-drain.js';
import type { AppDeps } from './deps.js';
import { PersonalDataEventStore } from '../privacy/personal-data-event-store.js';
import { compareIdentities, onlyIdentity, recordIdentity } from './shop-identity.js';
import { checkKeys, checkLineage, checkPositions, foldedByAll } from './startup-checks.js';

/** A composed process's start and stop: its part in the cluster, the admin and demo data, the HTTP server. */

type Edge = typeof import('./edge.js');

export type System = {
  deps: AppDeps;
  /** Starts projections, bootstraps the admin and demo data, then listens. Resolves with the bound port. */
  start(): Promise<number>;
  /** Stops taking connections, serving on those made (the first step of a stop: see superviseWorkers). */
  stopListening(): void;
  stop(): Promise<void>;
};

/**
 * The signing key: configured, or generated once and kept in DATA_DIR (readable by the owner
 * only). Processes starting together on one DATA_DIR agree on one: the key is written whole
 * to a file of its own, then linked into place, which only the first can do.
 */
export const jwtSecret = (config: Config): string => config.jwtSecret ?? keptSecret(config.dataDir, 'jwt-secret', JWT_SECRET_MIN_LENGTH, 'JWT_SECRET');

/** The key the login throttle makes its pseudonyms of accounts with (see LoginThrottle): derived from the JWT secret, the same in every process. */
export const loginPseudonymKey = (config: Config): string => createHmac('sha256', jwtSecret(config)).update('login-throttle pseudonyms').digest('base64url');

/**
 * The carrier's webhook secret: configured, or (on the embedded default, one host) generated
 * once and kept in DATA_DIR as the JWT secret is. With EVENTSTORE_URL or MONGODB_URL (production)
 * it must be configured: the real carrier is given the same secret.
 */
export const carrierWebhookSecret = (config: Config): string => {
  if (config.carrierWebhookSecret) return config.carrierWebhookSecret;
  if (config.eventStoreUrl || config.mongodbUrl) throw new ConfigError('CARRIER_WEBHOOK_SECRET must be set in production (EVENTSTORE_URL or MONGODB_URL set): the carrier signs its webhooks with it');
  return keptSecret(config.dataDir, 'carrier-webhook-secret', CARRIER_SECRET_MIN_LENGTH, 'CARRIER_WEBHOOK_SECRET');
};

const keptSecret = (dataDir: string, name: string, minLength: number, variable: string): string => {
  const path = join(dataDir, name);
  if (existsSync(path)) return checkedSecret(path, minLength, variable);
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(draft, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
  try {
    linkSync(draft, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  return checkedSecret(path, minLength, variable);
};

/** A kept secret as its file holds it: one too short (damaged, or written by hand) signs nothing. */
const checkedSecret = (path: string, minLength: number, variable: string): string => {
  const secret = readFileSync(path, 'utf8').trim();
  if (secret.length < minLength) {
    throw new ConfigError(
      `${path} holds a secret of ${secret.length} characters, and a signing secret must be at least ${minLength} (${variable} is not set, so this file is used): ` +
        `restore it from a backup, set ${variable}, or delete the file to have a new one generated (what was signed with the old one is refused then)`,
    );
  }
  return secret;
};

/**
 * Makes the admin account. Processes starting together on one shop may register it at the
 * same moment: one whose registration loses (409) looks again, and finds the account made
 * (to promote) once the winner's registration is complete.
 */
const bootstrapAdmin = async (deps: AppDeps, email: string, password: string, context: CommandContext) => {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await ensureAdmin(deps, email, password, context);
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt === 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
};

/** Why the server cannot listen, naming the setting to change: the operator's error, not the shop's. */
const listenError = (error: NodeJS.ErrnoException, config: Config): unknown => {
  if (error.code === 'EADDRINUSE') return new ConfigError(`PORT ${config.port} is in use on HOST ${config.host} (${error.code}): choose another PORT, or stop what listens there`);
  if (error.code === 'EACCES') return new ConfigError(`PORT ${config.port} may not be listened on by this process (${error.code}): choose a PORT from 1024 up, or give the process the right`);
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN') return new ConfigError(`HOST ${config.host} is no address of this machine (${error.code}): listen on one of its addresses, 0.0.0.0 or ::`);
  return error;
};

export type Parts = { mailer: Mailer; cluster: Cluster; limits: LimitStore };

export const lifecycle = (config: Config, deps: AppDeps, { mailer, cluster, limits }: Parts, edge: Edge): System => {
  let server: Server | undefined;
  let http: Drainable | undefined;
  let purge: NodeJS.Timeout | undefined;
  const systemContext = (what: string): CommandContext => {
    const id = `${what}-${uuidv4()}`;
    return { correlationId: id, causationId: id, actor: 'system', now: deps.clock().toISOString() };
  };
  return {
    deps,
    async start() {
      // The log, the read models and the key store must be of one shop (a restore of one alone is refused, saying which).
      // Positions, the shop's identity, the events last folded, then keys: the first that does not hold names its store.
      await checkPositions(deps.eventStore, deps.readModels);
      const identities = await compareIdentities(deps.eventStore, deps.readModels);
      await checkLineage(deps.eventStore, deps.readModels);
      const sealed = deps.eventStore instanceof PersonalDataEventStore ? deps.eventStore : undefined;
      if (sealed) await checkKeys(deps.readModels, sealed, { logShopId: identities.log, folded: await foldedByAll(deps.readModels) });
      // They agree: a new log is given its shop's identity, the read models and the key store the log's (see shop-identity.ts).
      const identity = systemContext('shop-identity');
      const shopId = await recordIdentity(deps.eventStore, deps.readModels, identities, { shopId: uuidv4(), now: identity.now, correlationId: identity.correlationId }, sealed?.keys);
      const empty = await onlyIdentity(deps.eventStore);
      // Takes every lease that is free (all of them when alone) and runs those runners.
      await cluster.start();
      deps.jobs.start();
      // The seed is the first thing written to a new shop, before the admin: a start that stops
      // (a crash, a failure) before its first write leaves the log empty, one after it a seed begun
      // (demoCatalogUnfinished), and either is finished at the next start. Processes starting at once
      // on one store seed together: each product and receipt has its idempotency key, nothing is doubled.
      if (config.seedDemo && (empty || (await demoCatalogUnfinished(deps.commands)))) {
        // The products this process made: with others seeding at once, their counts add up to the catalog.
        const count = await seedDemoCatalog(deps.commands, config.currency, systemContext('seed-demo'));
        if (count > 0) deps.logger.info({ products: count }, 'empty store: demo catalog created');
      }
      if (config.adminEmail && config.adminPassword) {
        const admin = await bootstrapAdmin(deps, config.adminEmail, config.adminPassword, systemContext('bootstrap-admin'));
        if ('refused' in admin) {
          deps.logger.error(
            { customerId: admin.customerId },
            'ADMIN_EMAIL names a customer account registered with another password than ADMIN_PASSWORD (someone may have registered the address first): it is NOT made admin. ' +
              'Choose another ADMIN_EMAIL, or, if the account is yours, sign in with its password and have an admin give it the role',
          );
        } else if ('stale' in admin) {
          deps.logger.warn(
            { customerId: admin.customerId },
            "ADMIN_PASSWORD is not the admin account's password any more (it was changed or reset through the API): the account keeps its own, and ADMIN_PASSWORD is not used",
          );
        } else deps.logger.child({}, { level: 'info' }).info(
          // Not its email: no log line carries one (issue 17); the operator set ADMIN_EMAIL and knows it.
          { customerId: admin.customerId, created: admin.position !== undefined },
          'admin account ready',
        );
      } else deps.logger.warn('ADMIN_EMAIL / ADMIN_PASSWORD are not set: no admin account is created');
      // Once for the shop: by the only process, or the first worker of WORKERS=n (a worker started again later says nothing new).
      if (!nodeCluster.isWorker || nodeCluster.worker?.id === 1) warnOfShortPaymentTimeout(deps.logger, config);
      // Every 5 minutes: an answer holding personal fields lives 15 minutes (see IdempotencyKeys), and its bytes go with the purge.
      purge = setInterval(() => void deps.idempotency.purgeExpired().catch(() => undefined), 300_000).unref();
      const app = edge.createApp(deps);
      // A worker of WORKERS=n listens on nothing: its primary holds the port and hands it connections (ConnectionHandout).
      const handedOut = nodeCluster.isWorker;
      server = handedOut
        ? edge.serverFor(app)
        : await new Promise<Server>((resolve, reject) => {
            const listening = edge.serverFor(app).listen(config.port, config.host, () => resolve(listening));
            listening.once('error', (error) => reject(listenError(error, config)));
          });
      answerUnparsableRequests(server);
      http = drainable(server);
      if (handedOut) serveHandedOut(server);
      const port = handedOut ? config.port : (server.address() as AddressInfo).port;
      // Where the server listens is always logged, whatever LOG_LEVEL says: tools and operators need it.
      deps.logger.child({}, { level: 'info' }).info({ port, host: config.host, dataDir: config.dataDir, process: cluster.id, shop: shopId }, 'listening');
      cluster.listening(port);
      // What this shop's processes held in memory for their queries, loaded before the first queries ask (see WarmUps).
      void deps.readModels
        .warmUp?.()
        .then((warmed) => warmed.length > 0 && deps.logger.info({ collections: warmed }, 'read models loaded in memory ahead of their queries'))
        .catch((error: unknown) => deps.logger.warn({ err: error }, 'could not load the read models held before ahead of their queries'));
      return port;
    },
    stopListening() {
      http?.stopListening();
    },
    async stop() {
      clearInterval(purge);
      // No job starts here from now on. Those running have JOB_STOP_GRACE_MS, while this process
      // is still among the live ones: no other takes one over until it is done (JobRunner.stop).
      const jobsStopped = deps.jobs.stop();
      if (http) {
        // Live streams never end by themselves: their clients reconnect elsewhere and resume.
        deps.liveStreams.closeAll();
        await http.drain();
      }
      // The requests drained: a claim on a key still held (a request cut off) runs out in one claim, renewed no more.
      deps.idempotency.stop();
      await jobsStopped;
      // Every runner stops and every lease is given back at once: the other processes take over now.
      await cluster.stop();
      // A rebuild under way is carried on by whichever process holds its projections (another now, or this one at its next start).
      await deps.rebuilds.stop({ handOver: true });
      await mailer.close();
      await limits.close();
      await deps.eventStore.close();
      await deps.readModels.close();
    },
  };
};

/**
 * An order waits for its payment from the moment the saga asks for it; when the process running
 * the saga dies, the orders of that moment wait for another to take it over (LEASE_MS and a
 * heartbeat at worst) and catch up: a payment timeout not well above that fails them as
 * `payment-timeout`, good cards too (a black-box probe: 412 orders with PAYMENT_TIMEOUT_MS=4000
 * and LEASE_MS 5000; with 10000, none, the worst wait 9.9 s). Said at start, not refused: a
 * short timeout on one process (a demo, a test) has no failover to fear.
 */
export const SAFE_PAYMENT_TIMEOUT_LEASES = 3;

const warnOfShortPaymentTimeout = (logger: Logger, config: Pick<Config, 'paymentTimeoutMs' | 'leaseMs'>) => {
  if (config.paymentTimeoutMs >= SAFE_PAYMENT_TIMEOUT_LEASES * config.leaseMs) return;
  logger.warn(
    { paymentTimeoutMs: config.paymentTimeoutMs, leaseMs: config.leaseMs },
    `PAYMENT_TIMEOUT_MS is under ${SAFE_PAYMENT_TIMEOUT_LEASES} times LEASE_MS: orders placed as the process running the order saga dies may fail as payment-timeout before another process takes the saga over and catches up`,
  );
};
