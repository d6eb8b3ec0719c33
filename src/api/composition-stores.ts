import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { EventStore } from '../infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../infrastructure/event-store/sqlite-event-store.js';
import type { LimitStore } from '../infrastructure/limits/limit-store.js';
import { MemoryKeyStore } from '../infrastructure/keys/memory-key-store.js';
import { OutboxMailer, type Mailer } from '../infrastructure/mail/mailer.js';
import type { KeyStore } from '../privacy/key-store.js';
import { EmbeddedReadModelStore } from '../infrastructure/read-models/embedded-read-model-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';

/**
 * The stores the composition root opens for an environment: the embedded adapters in
 * DATA_DIR by default, the production ones when their URL is set.
 */

// The production adapters and SMTP are loaded only when configured: their clients take
// a good part of a second to load, which every operator tool would otherwise pay.

export const openEventStore = async (config: Config, logger: Logger): Promise<EventStore> => {
  if (!config.eventStoreUrl) return new SqliteEventStore({ path: join(config.dataDir, 'events.db') });
  const { EsdbEventStore } = await import('../infrastructure/event-store/esdb-event-store.js');
  return new EsdbEventStore(config.eventStoreUrl, { logger: logger.child({ eventStore: 'esdb' }) });
};

export const openReadModels = async (config: Config): Promise<ReadModelStore> => {
  if (!config.mongodbUrl) return new EmbeddedReadModelStore({ path: join(config.dataDir, 'read-models.db') });
  const { MongoReadModelStore } = await import('../infrastructure/read-models/mongo-read-model-store.js');
  return MongoReadModelStore.connect(config.mongodbUrl);
};

/** Limits count in the shared store (limits.db in DATA_DIR, or the read models' MongoDB database), failing safe to memory. */
export const openLimits = async (config: Config, readModels: ReadModelStore, logger: Logger): Promise<LimitStore> => {
  const { FailSafeLimitStore } = await import('../infrastructure/limits/fail-safe-limit-store.js');
  if (!config.mongodbUrl) {
    const { SqliteLimitStore } = await import('../infrastructure/limits/sqlite-limit-store.js');
    return new FailSafeLimitStore(new SqliteLimitStore(join(config.dataDir, 'limits.db')), logger);
  }
  const [{ MongoLimitStore }, { MongoReadModelStore }] = await Promise.all([
    import('../infrastructure/limits/mongo-limit-store.js'),
    import('../infrastructure/read-models/mongo-read-model-store.js'),
  ]);
  if (!(readModels instanceof MongoReadModelStore)) throw new Error('MONGODB_URL is set but the read models are not on MongoDB');
  return new FailSafeLimitStore(await MongoLimitStore.open(readModels.database()), logger);
};

/**
 * The key store of personal data's keys. A stand-in in memory until the privacy core wires its
 * adapters in (SqliteKeyStore in DATA_DIR/keys.db, MongoKeyStore): nothing is sealed with it yet,
 * erasures destroy the (empty) keys of their customers in it.
 */
export const openKeyStore = (_config: Config): KeyStore => new MemoryKeyStore();

export const openMailer = async (config: Config): Promise<Mailer> => {
  if (!config.smtpUrl) return new OutboxMailer();
  const { SmtpMailer } = await import('../infrastructure/mail/smtp-mailer.js');
  return new SmtpMailer(config.smtpUrl, config.mailFrom);
};
