/**
 * What the command-handler tests share: one inventory item's stream, the commands sent to it,
 * and two stand-ins around the store (snapshots kept in memory, and a store that counts and intercepts appends).
 */
import { CommandHandler, type CommandContext } from '../../src/commands/command-handler.js';
import {
  inventoryDecider,
  inventoryStream,
  levels,
  type AdjustStock,
  type ReceiveStock,
  type RegisterInventoryItem,
} from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import type { AppendResult, EventStore, EventToAppend, ExpectedRevision, LookBack } from '../../src/infrastructure/event-store/event-store.js';
import type { Snapshot, SnapshotStore } from '../../src/infrastructure/snapshots/snapshot-store.js';

export const SKU = 'SKU-1';
export const PRODUCT = 'product-1';
export const STREAM = inventoryStream(SKU);
export const NOW = '2024-05-02T10:00:00.000Z';

export const context = (overrides: Partial<CommandContext> = {}): CommandContext => ({
  correlationId: 'correlation-1',
  causationId: 'causation-1',
  actor: 'clerk-1',
  now: NOW,
  ...overrides,
});

export const register = (overrides: Partial<RegisterInventoryItem> = {}): RegisterInventoryItem => ({
  type: 'RegisterInventoryItem',
  sku: SKU,
  productId: PRODUCT,
  now: NOW,
  ...overrides,
});

export const receive = (quantity: number): ReceiveStock => ({ type: 'ReceiveStock', quantity, now: NOW });

export const adjust = (delta: number): AdjustStock => ({ type: 'AdjustStock', delta, reason: 'stock count', now: NOW });

/** What is on hand in STREAM, as a fresh handler (nothing cached) folds it from `store`. */
export const onHandOf = async (store: EventStore) =>
  levels((await new CommandHandler(store, { schema: eventSchema([]) }).load(inventoryDecider, STREAM)).state)?.onHand;

export type AppendOptions = { expectedRevision?: ExpectedRevision; lookBack?: LookBack };
export type BeforeAppend = (streamName: string, options: AppendOptions | undefined, call: number) => Promise<void>;

/** Snapshots in memory, remembering every save. */
export class MemorySnapshots implements SnapshotStore {
  readonly saved: Snapshot[] = [];
  loads = 0;
  private readonly latest = new Map<string, Snapshot>();

  async load(streamName: string): Promise<Snapshot | undefined> {
    this.loads += 1;
    const snapshot = this.latest.get(streamName);
    return snapshot && (JSON.parse(JSON.stringify(snapshot)) as Snapshot);
  }

  async save(snapshot: Snapshot): Promise<void> {
    this.saved.push(snapshot);
    if ((this.latest.get(snapshot.streamName)?.revision ?? -1) < snapshot.revision) this.latest.set(snapshot.streamName, snapshot);
  }
}

/** The real store, counting appends and noting where stream reads start, with a hook that runs before each append. */
export class SpyStore implements EventStore {
  appendCalls = 0;
  readonly readsFrom: number[] = [];

  constructor(
    private readonly inner: EventStore,
    private readonly beforeAppend: BeforeAppend = async () => undefined,
  ) {}

  async appendToStream(streamName: string, events: readonly EventToAppend[], options?: AppendOptions): Promise<AppendResult> {
    this.appendCalls += 1;
    await this.beforeAppend(streamName, options, this.appendCalls);
    return this.inner.appendToStream(streamName, events, options);
  }

  readStream: EventStore['readStream'] = (streamName, options) => {
    this.readsFrom.push(options?.fromRevision ?? 0);
    return this.inner.readStream(streamName, options);
  };
  readAll: EventStore['readAll'] = (...args) => this.inner.readAll(...args);
  subscribeToAll: EventStore['subscribeToAll'] = (...args) => this.inner.subscribeToAll(...args);
  headPosition: EventStore['headPosition'] = () => this.inner.headPosition();
  countEventsAfter: EventStore['countEventsAfter'] = (...args) => this.inner.countEventsAfter(...args);
  truncateJournal: EventStore['truncateJournal'] = () => this.inner.truncateJournal();
  close: EventStore['close'] = () => this.inner.close();
}
