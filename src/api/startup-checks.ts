import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import { keyIds } from '../privacy/key-store.js';
import { StartupRefused } from './startup-refused.js';

/**
 * What a shop checks of its stores before it starts: that they belong together. A log that was
 * emptied, replaced or restored from an older backup beside read models that folded more of
 * it, or a key store lost or replaced beside a log sealed with its keys, would otherwise be
 * served without a word: new events skipped as folded already, every account's data
 * unreadable and its email free to register again. The shop refuses to start and says which
 * store and what to do; only the operator knows which copy is the right one.
 */

/** Only the personal-data layer of the log can say which keys its events were sealed with. */
export type SealedLog = { unknownKeys(recent?: number): Promise<string[]>; untraced(ids: readonly string[]): Promise<string[]> };

/** How many customers the read models know are looked for in the key store, from each end of their ids. */
const CUSTOMERS_SAMPLED = 100;

export const checkStoresAgree = async (eventStore: EventStore, readModels: ReadModelStore, sealed?: SealedLog): Promise<void> => {
  const head = await eventStore.headPosition();
  const checkpoints = await readModels.collection<Checkpoint>(CHECKPOINTS).find({}, { readonly: true });
  const ahead = checkpoints.filter((checkpoint) => typeof checkpoint.position === 'number' && checkpoint.position > head);
  if (ahead.length > 0) {
    const furthest = Math.max(...ahead.map((checkpoint) => checkpoint.position));
    throw new StartupRefused(
      `the read models have folded the event log up to position ${furthest} (${ahead.map((c) => c._id).slice(0, 5).join(', ')}${ahead.length > 5 ? ', ...' : ''}), ` +
        `but the log ends at ${head}: it was emptied, replaced or restored from an older backup. ` +
        'Restore the log that goes with them; or, if this log is the right one, remove the read models (read-models.db in DATA_DIR, or the MongoDB database) ' +
        'and they are rebuilt from it at the next start (their jobs, parked work and stored answers go with them).',
    );
  }
  // The keys of the log's latest events, and of up to 200 customers the read models know
  // (whatever the latest events are: a run of stock receipts seals nothing): every customer
  // registered has a profile key, or its tombstone once erased.
  const customers = readModels.collection('customers');
  const sampled = [
    ...(await customers.find({}, { sort: { _id: 1 }, limit: CUSTOMERS_SAMPLED, projection: { _id: 1 }, readonly: true })),
    ...(await customers.find({}, { sort: { _id: -1 }, limit: CUSTOMERS_SAMPLED, projection: { _id: 1 }, readonly: true })),
  ].map((customer) => keyIds.profile(String(customer._id)));
  const unknown = sealed ? [...new Set([...(await sealed.unknownKeys()), ...(await sealed.untraced([...new Set(sampled)]))])] : [];
  if (unknown.length > 0) {
    throw new StartupRefused(
      `the event log holds personal data sealed with ${unknown.length} key(s) the key store has no trace of (of its latest events, or of customers the read models know) (${unknown.slice(0, 3).join(', ')}${unknown.length > 3 ? ', ...' : ''}): ` +
        'the key store (keys.db in DATA_DIR, or its MongoDB collection) was lost or replaced. Restore it from the backup taken with the log; ' +
        'a shop started without it could open none of its customers\' data and would let their emails be registered again.',
    );
  }
};
