import type { EventStore } from '../infrastructure/event-store/event-store.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { CHECKPOINTS, type Checkpoint } from '../projections/runner.js';
import { keyIds, type KeyStore } from '../privacy/key-store.js';
import { StartupRefused } from './startup-refused.js';

/**
 * What a shop checks of its stores before it starts: that they belong together. A log that was
 * emptied, replaced or restored from an older backup beside read models that folded more of
 * it, or a key store lost or replaced beside a log sealed with its keys, would otherwise be
 * served without a word: new events skipped as folded already, every account's data
 * unreadable and its email free to register again. The shop refuses to start and says which
 * store and what to do; only the operator knows which copy is the right one. In this order:
 * positions (checkPositions), the shop's identity (shop-identity.ts), the events the read models
 * folded last (checkLineage), keys (checkKeys).
 */

/** Only the personal-data layer of the log can say which keys its events were sealed with. */
export type SealedLog = {
  readonly keys: KeyStore;
  unknownKeys(recent?: number): Promise<string[]>;
  unknownKeysAfter(position?: number): Promise<string[]>;
  untraced(ids: readonly string[]): Promise<string[]>;
};

/**
 * A read model's checkpoint past the log's end: the log was emptied, replaced or restored from an
 * older backup. The checkpoints are read before the log's end: another process of the shop may
 * append and fold between the two reads (WORKERS=n starting on a new DATA_DIR, one of them making
 * the demo catalog), and a checkpoint only ever names an event the log held before it was
 * written, so the end read after it is at least as far unless the log lost events. Read the other
 * way round, that process's fold looked like a log that lost its latest commits and refused the start.
 */
export const checkPositions = async (eventStore: EventStore, readModels: ReadModelStore): Promise<void> => {
  const checkpoints = await readModels.collection<Checkpoint>(CHECKPOINTS).find({}, { readonly: true });
  const head = await eventStore.headPosition();
  const ahead = checkpoints.filter((checkpoint) => typeof checkpoint.position === 'number' && checkpoint.position > head);
  if (ahead.length === 0) return;
  const furthest = Math.max(...ahead.map((checkpoint) => checkpoint.position));
  throw new StartupRefused(
    `the read models have folded the event log up to position ${furthest} (${ahead.map((c) => c._id).slice(0, 5).join(', ')}${ahead.length > 5 ? ', ...' : ''}), ` +
      `but the log ends at ${head}: it was emptied, replaced, restored from an older backup, or lost its latest commits (SQLite drops what follows a damaged frame of events.db-wal). ` +
      'Restore the log that goes with them (keep events.db and its -wal as they are until then); only if this log is the right one, remove the read models ' +
      `(read-models.db in DATA_DIR, or the MongoDB database) and they are rebuilt from it at the next start: what they folded past position ${head}, their jobs, parked work and stored answers go with them.`,
  );
};

/**
 * The key store's record of its shop (see stampKeys): a key record named after the shop, which
 * seals nothing. A key store without it is one this shop never vouched for: new, lost and made
 * again, another shop's, or of a version before identities.
 */
export const shopStampId = (shopId: string) => `shop-${shopId}`;

/** Records in the key store that it is this shop's (once every key the log names was found there). */
export const stampKeys = async (keys: KeyStore, shopId: string): Promise<void> => {
  await keys.keys([shopStampId(shopId)], { create: true });
};

/**
 * The events the read models folded last must be the log's at those positions: a copy of one
 * shop's DATA_DIR (a staging copy of production) carries the same identity, and one copy's
 * read models beside the other copy's longer log passed every other check, serving stock
 * nearly a thousand units wrong. A checkpoint keeps the id of the event at its position when
 * its runner folded it (older ones have none and are not compared).
 */
export const checkLineage = async (eventStore: EventStore, readModels: ReadModelStore): Promise<void> => {
  const checkpoints = await readModels.collection<Checkpoint>(CHECKPOINTS).find({}, { readonly: true });
  const byPosition = new Map<number, Checkpoint>();
  for (const checkpoint of checkpoints) if (typeof checkpoint.eventId === 'string' && checkpoint.position > 0) byPosition.set(checkpoint.position, checkpoint);
  for (const [position, checkpoint] of byPosition) {
    const [event] = await eventStore.readAll({ fromPosition: position, maxCount: 1 });
    if (!event || event.position !== position || event.id === checkpoint.eventId) continue;
    throw new StartupRefused(
      `the read models folded the event log up to position ${position} (${checkpoint._id}), where they read event ${checkpoint.eventId}, but this log has event ${event.id} there: ` +
        'it is another copy of this shop\'s log (a copy of its DATA_DIR, or a restore written to since). Restore the log that goes with them; or, if this log is the right one, ' +
        'remove the read models (read-models.db in DATA_DIR, or the MongoDB database) and they are rebuilt from it at the next start (their jobs, parked work and stored answers go with them).',
    );
  }
};

/** The lowest position every read model has folded the log to (0: one has folded nothing). */
export const foldedByAll = async (readModels: ReadModelStore): Promise<number> => {
  const positions = (await readModels.collection<Checkpoint>(CHECKPOINTS).find({}, { readonly: true })).map((checkpoint) => checkpoint.position);
  return positions.length === 0 || positions.some((position) => typeof position !== 'number') ? 0 : Math.min(...positions);
};

/**
 * The key store must hold a trace (a key, or the tombstone of one destroyed) of every key the
 * log was sealed with. Checked: the keys of the log's latest 1,000 events and the profile key of
 * every customer the read models know; the keys the log names past what every read model has
 * folded (`folded`: customers the read models do not know yet, as after a restore of the read
 * models and the keys from one older backup); and every key the whole log names when the key
 * store does not carry this shop's stamp (`logShopId`: the log's identity, if it has one yet).
 * A key store restored from an older backup misses the keys of the customers registered since,
 * one lost and made again misses all: every account locked out and its email free to register again.
 */
export const checkKeys = async (readModels: ReadModelStore, sealed: SealedLog, { logShopId, folded }: { logShopId: string | undefined; folded: number }): Promise<void> => {
  const stamped = logShopId !== undefined && (await sealed.keys.keys([shopStampId(logShopId)])).has(shopStampId(logShopId));
  const customers = (await readModels.collection('customers').find({}, { projection: { _id: 1 }, readonly: true })).map((customer) => keyIds.profile(String(customer._id)));
  const unknown = new Set([...(await sealed.unknownKeys()), ...(await sealed.untraced(customers))]);
  if (unknown.size === 0) for (const id of await sealed.unknownKeysAfter(stamped && folded > 0 ? folded : undefined)) unknown.add(id);
  if (unknown.size === 0) return;
  const named = [...unknown];
  throw new StartupRefused(
    `the event log holds personal data sealed with ${named.length} key(s) the key store has no trace of (${named.slice(0, 3).join(', ')}${named.length > 3 ? ', ...' : ''}): ` +
      'the key store (keys.db in DATA_DIR, or its MongoDB collection) was lost, replaced, or restored from a backup older than the log. Restore it from the backup taken with the log; ' +
      'a shop started without it could open none of those customers\' data and would let their emails be registered again.',
  );
};
