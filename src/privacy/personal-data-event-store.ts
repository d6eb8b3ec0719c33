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
import { KeyDestroyedError, keyIds, type DataKey, type KeyPurpose, type KeyStore } from './key-store.js';
import { classificationOf } from './personal-data.js';
import { holdsPersonal, openData, purposesToSeal, sealData, sealedKeyIds, UnclassifiedDataError } from './personal-fields.js';

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

  constructor(
    private readonly inner: EventStore,
    readonly keys: KeyStore,
  ) {}

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

  async close(): Promise<void> {
    await this.inner.close();
    await this.keys.close();
  }

  private async sealAll(events: readonly EventToAppend[]): Promise<EventToAppend[]> {
    const needs = events.map((event) => ({ event, purposes: purposesToSeal(event.type, event.data) }));
    const ids = new Set<string>();
    for (const { event, purposes } of needs) {
      if (purposes.size === 0) continue;
      const customerId = event.data.customerId;
      if (typeof customerId !== 'string' || customerId === '') throw new UnclassifiedDataError(event.type, 'customerId (an event with personal data names its customer)');
      for (const purpose of purposes) ids.add(keyIds.of(purpose, customerId));
    }
    if (ids.size === 0) return [...events];
    const states = await this.keys.keys([...ids], { create: true });
    return needs.map(({ event, purposes }) => {
      if (purposes.size === 0) return event;
      const customerId = event.data.customerId as string;
      const keys = new Map<KeyPurpose, DataKey>();
      for (const purpose of purposes) {
        const id = keyIds.of(purpose, customerId);
        const state = states.get(id);
        if (!state || !('key' in state)) throw new KeyDestroyedError(id);
        keys.set(purpose, state.key);
      }
      return { ...event, data: sealData(event.type, event.data, customerId, keys) };
    });
  }

  private async openAll(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const ids = new Set<string>();
    for (const event of events) if (this.personal(event.type)) sealedKeyIds(event.type, event.data, ids);
    if (ids.size === 0) return events;
    const states = await this.keys.keys([...ids]);
    return events.map((event) => (this.personal(event.type) ? { ...event, data: openData(event.type, event.data, states) } : event));
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
