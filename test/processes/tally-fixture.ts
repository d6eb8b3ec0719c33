import { expect } from 'chai';
import { CommandHandler } from '../../src/commands/command-handler.js';
import { inventoryDecider, inventoryStream } from '../../src/domain/inventory/inventory.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { EmbeddedReadModelStore } from '../../src/infrastructure/read-models/embedded-read-model-store.js';
import { PARKED_EVENTS, type ParkedEvent } from '../../src/processes/parked-events.js';
import type { ProcessManager } from '../../src/processes/process-manager.js';
import { ProcessManagerRunner } from '../../src/processes/runner.js';
import { appendOne, silentLogger } from '../projections/projection-fixture.js';

/**
 * A small saga on in-memory stores, for the races between the runner that follows the log and
 * an operator's replay or discard of a parked event. Each event is one delivery: one unit
 * received on `SKU-<label>`; the saga remembers the labels it handled.
 */

export const NOW = '2024-05-01T09:00:00.000Z';
export const SAGAS = 'saga_tally';

export const tally: ProcessManager<{ seen: string[] }> = {
  name: 'tally',
  eventTypes: ['Tallied'],
  sagaId: (event) => String(event.data.sagaId),
  initialState: () => ({ seen: [] }),
  react: (state, event) => {
    const label = String(event.data.label);
    return {
      state: { seen: [...state.seen, label] },
      commands: [{ aggregate: 'inventory', id: `SKU-${label}`, command: { type: 'ReceiveStock', quantity: 1, now: NOW } }],
      jobs: [],
    };
  },
};

export class TallyWorld {
  readonly events = new SqliteEventStore({ path: ':memory:' });
  readonly store = new EmbeddedReadModelStore({ path: ':memory:' });
  /** The inventory stream whose commands fail (the part of the system that is down). */
  down: string | undefined;
  /** Runs once, before the next command a runner sends (once it is not down). */
  private beforeCommand: (() => Promise<unknown>) | undefined;

  /** `meanwhile` runs before the next command a runner sends: what lands while a saga's commands run. */
  beforeNextCommand(meanwhile: () => Promise<unknown>): void {
    this.beforeCommand = meanwhile;
  }

  static async start(): Promise<TallyWorld> {
    const world = new TallyWorld();
    const commands = new CommandHandler(world.events, { schema: eventSchema([]) });
    for (const sku of ['SKU-A', 'SKU-B', 'SKU-C']) {
      await commands.handle(inventoryDecider, inventoryStream(sku), { type: 'RegisterInventoryItem', sku, productId: `p-${sku}`, now: NOW }, { correlationId: sku, causationId: sku, actor: 'test', now: NOW });
    }
    return world;
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.store.close();
  }

  /** A runner as one process has it: its own command handler, on the shared stores. */
  runner(): ProcessManagerRunner<{ seen: string[] }> {
    const commands = new CommandHandler(this.events, { schema: eventSchema([]) });
    const handle = commands.handle.bind(commands);
    commands.handle = (async (...args: Parameters<typeof handle>) => {
      if (args[1] === this.down) throw new Error(`${this.down} is down`);
      const meanwhile = this.beforeCommand;
      this.beforeCommand = undefined;
      await meanwhile?.();
      return handle(...args);
    }) as typeof handle;
    const deps = { eventStore: this.events, readModels: this.store, schema: eventSchema([]), commands, logger: silentLogger(), clock: () => new Date() };
    return new ProcessManagerRunner(deps, tally, { maxAttempts: 1, retryDelayMs: 1 });
  }

  tallied(sagaId: string, label: string) {
    return appendOne(this.events, `tally-${sagaId}`, 'Tallied', { sagaId, label });
  }

  /** Parks `label`'s event on `live` (its inventory is down), then brings the inventory back. */
  async parkedOn(live: ProcessManagerRunner<{ seen: string[] }>, sagaId: string, label: string): Promise<ParkedEvent> {
    this.down = inventoryStream(`SKU-${label}`);
    await live.apply([await this.tallied(sagaId, label)]);
    this.down = undefined;
    const parked = await this.store.collection<ParkedEvent>(PARKED_EVENTS).findOne({ sagaId });
    expect(parked).to.include({ eventType: 'Tallied', sagaId });
    return parked!;
  }

  async received(sku: string): Promise<number> {
    return (await this.events.readStream(inventoryStream(sku))).filter((e) => e.type === 'StockReceived').length;
  }

  async seen(sagaId: string): Promise<string[] | undefined> {
    return ((await this.store.collection(SAGAS).findOne({ _id: sagaId })) as { state: { seen: string[] } } | null)?.state.seen;
  }
}
