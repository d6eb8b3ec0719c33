import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store.js';
import type { LimitStore } from '../infrastructure/limits/limit-store.js';
import { OutboxMailer, type Mailer } from '../infrastructure/mail/mailer.js';
import { EmbeddedReadModelStore } from '../infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import type { KeyStore } from '../privacy/key-store.js';
import { PersonalDataEventStore } from '../privacy/personal-data-event-store.js';
import { SqliteKeyStore } from '../privacy/sqlite-key-store.js';
import { openStoreFile, storeFileError } from './store-files.js';

/**
 * The stores the composition root opens for an environment: the embedded adapters in
 * DATA_DIR by default, the production ones when their URL is set. An embedded file that cannot
 * be opened (damaged, foreign, read-only) is named with what to do about it (store-files.ts).
 */

// The production adapters and SMTP are loaded only when configured: their clients take
// a good part of a second to load, which every operator tool would otherwise pay.

export const openEventStore = async (config: Config, logger: Logger): Promise<EventStore> => {
  if (!config.eventStoreUrl) {
    const path = join(config.dataDir, 'events.db');
    // The whole file checked from a thread as it opens; damage found then or later stops every write to it, and is said once.
    const onDamage = (error: Error) =>
      logger.fatal({ err: error }, `data: ${storeFileError(path, error.cause)?.message ?? error.message}; the shop writes nothing more to it and is not ready`);
    return openStoreFile(path, () => new SqliteEventStore({ path, checkWholeFile: true, onDamage }));
  }
  const { EsdbEventStore } = await import('../infrastructure/event-store/esdb-event-store.js');
  return new EsdbEventStore(config.eventStoreUrl, { logger: logger.child({ eventStore: 'esdb' }) });
};

/** The data keys of personal fields: keys.db in DATA_DIR, or a collection of the read models' MongoDB database. */
export const openKeyStore = async (config: Config, readModels: ReadModelStore, logger?: Logger): Promise<KeyStore> => {
  if (!config.mongodbUrl) {
    const path = join(config.dataDir, 'keys.db');
    return openStoreFile(path, () => new SqliteKeyStore(path));
  }
  const [{ MongoKeyStore }, { MongoReadModelStore }] = await Promise.all([
    import('../privacy/mongo-key-store.js'),
    import('../infrastructure/read-models/mongo-read-model-store.js'),
  ]);
  if (!(readModels instanceof MongoReadModelStore)) throw new Error('MONGODB_URL is set but the read models are not on MongoDB');
  // The server logs each key's insert, whole, in the replica set's oplog (op_observer_impl): a
  // destroyed key is gone from the collection, not from the oplog until it rolls over (README, Limits).
  logger?.warn(
    { keyStore: 'mongodb' },
    "data keys on MongoDB: a destroyed key stays in the replica set's oplog until the oplog rolls over; keep the oplog window (and backups taken from it) shorter than the time promised for an erasure, and the local database readable by the server alone",
  );
  return new MongoKeyStore(readModels.database());
};

/** The log as every part of the shop sees it: personal fields sealed on the way in, opened on the way out. */
export const openPersonalEventStore = async (config: Config, logger: Logger, keys: KeyStore): Promise<PersonalDataEventStore> =>
  new PersonalDataEventStore(await openEventStore(config, logger), keys);

export const openReadModels = async (config: Config): Promise<ReadModelStore> => {
  if (!config.mongodbUrl) {
    const path = join(config.dataDir, 'read-models.db');
    return openStoreFile(path, () => new EmbeddedReadModelStore({ path }));
  }
  const { MongoReadModelStore } = await import('../infrastructure/read-models/mongo-read-model-store.js');
  return MongoReadModelStore.connect(config.mongodbUrl);
};

/** Limits count in the shared store (limits.db in DATA_DIR, or the read models' MongoDB database), failing safe to memory. */
export const openLimits = async (config: Config, readModels: ReadModelStore, logger: Logger): Promise<LimitStore> => {
  const { FailSafeLimitStore } = await import('../infrastructure/limits/fail-safe-limit-store.js');
  if (!config.mongodbUrl) {
    const { SqliteLimitStore } = await import('../infrastructure/limits/sqlite-limit-store.js');
    const path = join(config.dataDir, 'limits.db');
    return new FailSafeLimitStore(await openStoreFile(path, () => new SqliteLimitStore(path)), logger);
  }
  const [{ MongoLimitStore }, { MongoReadModelStore }] = await Promise.all([
    import('../infrastructure/limits/mongo-limit-store.js'),
    import('../infrastructure/read-models/mongo-read-model-store.js'),
  ]);
  if (!(readModels instanceof MongoReadModelStore)) throw new Error('MONGODB_URL is set but the read models are not on MongoDB');
  return new FailSafeLimitStore(await MongoLimitStore.open(readModels.database()), logger);
};

export const openMailer = async (config: Config): Promise<Mailer> => {
  if (!config.smtpUrl) return new OutboxMailer();
  const { SmtpMailer } = await import('../infrastructure/mail/smtp-mailer.js');
  return new SmtpMailer(config.smtpUrl, config.mailFrom);
};
