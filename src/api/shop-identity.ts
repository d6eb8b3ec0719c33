import { WrongExpectedVersionError, type EventStore } from '../infrastructure/event-store/event-store.js';
import { DuplicateKeyError, type ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { IDENTITY_STREAM, type ShopIdentityAssigned } from '../domain/shop/identity.js';
import type { KeyStore } from '../privacy/key-store.js';
import { stampKeys } from './startup-checks.js';
import { StartupRefused } from './startup-refused.js';

/**
 * Which shop a log is, and which shop's log the read models were built from. Positions and
 * keys alone cannot tell two shops' stores apart: another shop's log, longer than ours, beside
 * our read models passes every check of positions, and one without personal data every check
 * of keys. So the first start of a shop writes an identity into its log, once (the first event
 * of the stream `shop-identity`), and the read models record the identity of the log they
 * were built from. A shop whose stores carry two identities, or whose read models name one
 * while the log carries none, does not start. Read models that name none (new ones, removed
 * to be rebuilt, or built before identities) take the log's.
 */

export { IDENTITY_STREAM };
export const IDENTITY_EVENT: ShopIdentityAssigned['type'] = 'ShopIdentityAssigned';
/** The read models' record of their log's identity: one document. */
export const IDENTITY_COLLECTION = 'shop_identity';

type IdentityDocument = { _id: 'log'; shopId: string; recordedAt: string };

/** What a new identity is made of: a random id, and the moment (the caller's clock). */
export type NewIdentity = { shopId: string; now: string; correlationId: string };

/** The identity the log carries, if any. */
export const logIdentity = async (eventStore: EventStore): Promise<string | undefined> => {
  const [first] = await eventStore.readStream(IDENTITY_STREAM, { maxCount: 1 });
  const shopId = first?.type === IDENTITY_EVENT ? first.data.shopId : undefined;
  return typeof shopId === 'string' ? shopId : undefined;
};

/** The identities the stores carry: the log's, and the one the read models were built from. */
export type Identities = { log: string | undefined; builtFrom: string | undefined };

/**
 * Compares the log's identity with the read models' record of theirs, writing nothing: read
 * models of another shop's log, or naming one beside a log that carries none, refuse the start.
 * Run before the check of keys, so that a mix-up of log and read models is named as one.
 */
export const compareIdentities = async (eventStore: EventStore, readModels: ReadModelStore): Promise<Identities> => {
  const builtFrom = (await readModels.collection<IdentityDocument>(IDENTITY_COLLECTION).findOne({ _id: 'log' }, { readonly: true }))?.shopId;
  const log = await logIdentity(eventStore);
  if (builtFrom !== undefined && log === undefined) {
    throw new StartupRefused(
      `the read models were built from the event log of shop ${builtFrom}, but this log carries no shop identity: it was replaced by another log, ` +
        'or restored from a backup older than the read models. Restore the log that goes with them; or, if this log is the right one, remove the read models ' +
        '(read-models.db in DATA_DIR, or the MongoDB database) and they are rebuilt from it at the next start (their jobs, parked work and stored answers go with them).',
    );
  }
  if (builtFrom !== undefined && log !== undefined && builtFrom !== log) throw anotherShop(builtFrom, log);
  return { log, builtFrom };
};

/**
 * Once the stores are found to agree: gives the log an identity when it has none, the read models
 * the log's, and the key store its stamp (`keys`, see startup-checks.ts). Processes that start at
 * once on one shop agree on one identity: the log's first. Answers the log's identity.
 */
export const recordIdentity = async (eventStore: EventStore, readModels: ReadModelStore, found: Identities, fresh: NewIdentity, keys?: KeyStore): Promise<string> => {
  const shopId = found.log ?? (await assign(eventStore, fresh));
  if (found.builtFrom !== undefined && found.builtFrom !== shopId) throw anotherShop(found.builtFrom, shopId);
  if (found.builtFrom === undefined) {
    const records = readModels.collection<IdentityDocument>(IDENTITY_COLLECTION);
    try {
      await records.insertOne({ _id: 'log', shopId, recordedAt: fresh.now });
    } catch (error) {
      if (!(error instanceof DuplicateKeyError)) throw error;
      // Another process of this shop recorded it first: of this log too, or the stores changed under both.
      const recorded = (await records.findOne({ _id: 'log' }, { readonly: true }))?.shopId;
      if (recorded !== shopId) throw anotherShop(recorded ?? 'unknown', shopId);
    }
  }
  if (keys) await stampKeys(keys, shopId);
  return shopId;
};

/** Both steps, for a shop with nothing to check between them (tests, a store without personal data). */
export const checkOneShop = async (eventStore: EventStore, readModels: ReadModelStore, fresh: NewIdentity): Promise<string> =>
  recordIdentity(eventStore, readModels, await compareIdentities(eventStore, readModels), fresh);

/** Whether the log holds nothing but its identity: a new shop. */
export const onlyIdentity = async (eventStore: EventStore): Promise<boolean> => {
  const first = await eventStore.readAll({ maxCount: 2 });
  return first.every((event) => event.streamName === IDENTITY_STREAM);
};

const assign = async (eventStore: EventStore, { shopId, now, correlationId }: NewIdentity): Promise<string> => {
  try {
    await eventStore.appendToStream(
      IDENTITY_STREAM,
      [{ id: shopId, type: IDENTITY_EVENT, data: { shopId }, metadata: { correlationId, causationId: correlationId, actor: 'system', occurredAt: now, schemaVersion: 1 } }],
      { expectedRevision: 'no_stream' },
    );
    return shopId;
  } catch (error) {
    if (!(error instanceof WrongExpectedVersionError)) throw error;
    // Another process starting at the same moment gave it one first.
    const assigned = await logIdentity(eventStore);
    if (assigned === undefined) throw error;
    return assigned;
  }
};

const anotherShop = (builtFrom: string, shopId: string) =>
  new StartupRefused(
    `the read models were built from the event log of shop ${builtFrom}, but this log is shop ${shopId}'s: the log or the read models were replaced by another shop's. ` +
      'Restore the log that goes with them; or, if this log is the right one, remove the read models (read-models.db in DATA_DIR, or the MongoDB database) ' +
      'and they are rebuilt from it at the next start (their jobs, parked work and stored answers go with them).',
  );
