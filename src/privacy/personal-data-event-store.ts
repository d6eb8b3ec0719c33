import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventSubscription,
  EventToAppend,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../infrastructure/event-store/event-store.js';
import { LruCache } from '../infrastructure/lru-cache.js';
import { KeyDestroyedError, keyIds, type DataKey, type KeyPurpose, type KeyState, type KeyStore } from './key-store.js';
import { forgetKey } from './sealing.js';
import { classificationOf } from './personal-data.js';
import { holdsPersonal, openData, sealedKeyIds, sealTaken, takePersonal, UnclassifiedDataError } from './personal-fields.js';

/** Events read a page at a time by the whole log's check of keys; key ids asked of the key store at a time. */
const WHOLE_LOG_PAGE = 5000;
const UNTRACED_BATCH = 1000;

/**
 * The event store every part of the shop uses: another event store (embedded or
 * EventStoreDB) with the personal fields of each event sealed on the way in and opened on
 * every way out (a stream, `$all`, a subscription and its batches). Command handling,
 * projections, process managers, the audit and the export therefore read clear values,
 * exactly as before; what reaches the log's files is ciphertext under the customer's keys
 * (personal-data.ts says which field under which key). A value whose key was destroyed
 * reads as ERASED. Appending an event type or field the inventory does not know throws
 * UnclassifiedDataError; appending personal data of an erased customer throws
 * KeyDestroyedError. Keys are fetched once per append and once per read batch.
 */
export class PersonalDataEventStore implements EventStore {
  private readonly personalTypes = new Map<string, boolean>();
  /** What this process sealed or opened lately (see OpenedValues): about a few MB at most. */
  private readonly opened = new LruCache<string, unknown[]>(20_000);
  /**
   * Keys this process sealed with lately. Sealing with a key that another process destroyed
   * meanwhile is harmless (nobody can open the value: it reads as ERASED), so appends need
   * not ask the store each time; opening always asks it.
   */
  private readonly sealing = new LruCache<string, DataKey>(10_000);

  /**
   * The key store this layer reads, for everything else that needs it (the erasure destroys
   * keys through it): a key destroyed here is forgotten by this layer at once. One destroyed
   * by another process is forgotten for sealing when this process evicts it (see `sealing`).
   */
  readonly keys: KeyStore;

  constructor(
    private readonly inner: EventStore,
    store: KeyStore,
  ) {
    this.keys = {
      keys: (ids, options) => store.keys(ids, options),
      destroy: async (id, at) => {
        this.sealing.delete(id);
        forgetKey(id);
        await store.destroy(id, at);
      },
      destructions: () => store.destructions(),
      close: () => store.close(),
    };
  }

  async appendToStream(streamName: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    return this.inner.appendToStream(streamName, await this.sealAll(events), options);
  }

  async readStream(streamName: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readStream(streamName, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.openAll(await this.inner.readAll(options));
  }

  subscribeToAll(options?: SubscribeToAllOptions): EventSubscription {
    const inner = this.inner.subscribeToAll(options);
    const openAll = (events: RecordedEvent[]) => this.openAll(events);
    const subscription: EventSubscription = {
      close: () => inner.close(),
      get retrying() {
        return inner.retrying;
      },
      async *[Symbol.asyncIterator]() {
        for await (const event of inner) yield (await openAll([event]))[0]!;
      },
    };
    if (inner.batches) {
      const batches = inner.batches.bind(inner);
      subscription.batches = async function* (maxSize: number) {
        for await (const batch of batches(maxSize)) yield await openAll(batch);
      };
    }
    return subscription;
  }

  headPosition(): Promise<number> {
    return this.inner.headPosition();
  }

  countEventsAfter(position: number, limit: number): Promise<number> {
    return this.inner.countEventsAfter(position, limit);
  }

  truncateJournal(): Promise<void> {
    return this.inner.truncateJournal();
  }

  async close(): Promise<void> {
    await this.inner.close();
    await this.keys.close();
  }

  /**
   * The keys the latest `recent` events of the log were sealed with of which the key store has
   * no trace, neither key nor tombstone: none, unless the key store was lost or replaced (a key
   * sealed with is kept, and leaves a tombstone when destroyed). Read from the stored events.
   */
  async unknownKeys(recent = 1000): Promise<string[]> {
    const events = await this.inner.readAll({ direction: 'backwards', maxCount: recent });
    const ids = new Set<string>();
    for (const event of events) if (this.personal(event.type)) sealedKeyIds(event.data, ids);
    return this.untraced([...ids]);
  }

  /**
   * Of the keys the log's sealed events after `position` (all of them without it) were sealed
   * with, those the key store has no trace of: every event read, in pages (a start that checks
   * a key store it cannot vouch for otherwise, or the part of the log its read models have not seen).
   */
  async unknownKeysAfter(position?: number): Promise<string[]> {
    const ids = new Set<string>();
    let after: number | undefined = position;
    for (;;) {
      const page = await this.inner.readAll({ ...(after === undefined ? {} : { fromPosition: after }), maxCount: WHOLE_LOG_PAGE });
      const fresh = after === undefined ? page : page.filter((event) => event.position > after!);
      for (const event of fresh) if (this.personal(event.type)) sealedKeyIds(event.data, ids);
      if (fresh.length === 0 || page.length < WHOLE_LOG_PAGE) break;
      after = fresh[fresh.length - 1]!.position;
    }
    return this.untraced([...ids]);
  }

  /** Of these key ids, those the key store has no trace of (neither key nor tombstone); asked a thousand at a time. */
  async untraced(ids: readonly string[]): Promise<string[]> {
    const missing: string[] = [];
    for (let from = 0; from < ids.length; from += UNTRACED_BATCH) {
      const batch = ids.slice(from, from + UNTRACED_BATCH);
      const states = await this.keys.keys(batch);
      missing.push(...batch.filter((id) => !states.has(id)));
    }
    return missing;
  }

  private async sealAll(events: readonly EventToAppend[]): Promise<EventToAppend[]> {
    const taken = events.map((event) => ({ event, ...takePersonal(event.type, event.data) }));
    const ids = new Set<string>();
    for (const { event, taken: values } of taken) {
      if (values.size === 0) continue;
      const customerId = event.data.customerId;
      if (typeof customerId !== 'string' || customerId === '') throw new UnclassifiedDataError(event.type, 'customerId (an event with personal data names its customer)');
      for (const purpose of values.keys()) ids.add(keyIds.of(purpose, customerId));
    }
    if (ids.size === 0) return [...events];
    const states = await this.sealingKeys([...ids]);
    return taken.map(({ event, rest, taken: values }) => {
      if (values.size === 0) return event;
      const customerId = event.data.customerId as string;
      const keys = new Map<KeyPurpose, DataKey>();
      for (const purpose of values.keys()) {
        const id = keyIds.of(purpose, customerId);
        const state = states.get(id);
        if (!state || !('key' in state)) throw new KeyDestroyedError(id);
        keys.set(purpose, state.key);
      }
      return { ...event, data: sealTaken(rest, values, customerId, keys, this.opened) };
    });
  }

  private async sealingKeys(ids: string[]): Promise<Map<string, KeyState>> {
    const states = new Map<string, KeyState>();
    const missing: string[] = [];
    for (const id of ids) {
      const key = this.sealing.get(id);
      if (key) states.set(id, { key });
      else missing.push(id);
    }
    if (missing.length === 0) return states;
    for (const [id, state] of await this.keys.keys(missing, { create: true })) {
      states.set(id, state);
      if ('key' in state) this.sealing.set(id, state.key);
    }
    return states;
  }

  private async openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const ids = new Set<string>();
    for (const event of events) if (this.personal(event.type)) sealedKeyIds(event.data, ids);
    if (ids.size === 0) return events;
    const states = await this.keys.keys([...ids]);
    return events.map((event) => (this.personal(event.type) ? { ...event, data: openData(event.data, states, this.opened) } : event));
  }

  private personal(type: string): boolean {
    let personal = this.personalTypes.get(type);
    if (personal === undefined) {
      const classification = classificationOf(type);
      personal = classification !== undefined && holdsPersonal(classification);
      this.personalTypes.set(type, personal);
    }
    return personal;
  }
}
