/**
 * The audit trail of one stream, read straight from an event store holding events appended by hand: every event
 * with the state after it, as of a revision or a time, a stream that does not exist, and a customer's password hash
 * never shown. An order's timeline across streams: audit-order.test.ts.
 */
import { expect } from 'chai';
import { reservationOf, type Inventory } from '../../src/domain/inventory/inventory.js';
import { v4 as uuid } from 'uuid';
import { AUDIT_PAGE, auditStream, type AuditDeps, type StreamAudit } from '../../src/operations/audit.js';
import { NotFoundError } from '../../src/domain/shared/errors.js';
import { eventSchema } from '../../src/domain/shared/event-schema.js';
import { UPCASTERS } from '../../src/domain/upcasters.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { PasswordHasher } from '../../src/infrastructure/security/passwords.js';
import { ORDER, PRODUCT, appendTo, ascending, at, rejection } from './audit-fixture.js';

describe('Audit trail', () => {
  let store: SqliteEventStore;
  let deps: AuditDeps;
  beforeEach(() => {
    store = new SqliteEventStore({ path: ':memory:' });
    deps = { eventStore: store, schema: eventSchema(UPCASTERS) };
  });
  afterEach(async () => store.close());

  const append = appendTo(() => deps);

  describe('of an inventory stream', () => {
    const stream = 'inventory-MUG-1';
    beforeEach(async () => {
      await append(stream, 'InventoryItemRegistered', { sku: 'MUG-1', productId: PRODUCT, registeredAt: at('10:00') }, { occurredAt: at('10:00'), actor: 'admin:a1' });
      await append(stream, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 5, receivedAt: at('11:00') }, { occurredAt: at('11:00'), correlationId: 'receipt-1', causationId: 'receipt-1' });
      await append(stream, 'StockReceived', { sku: 'MUG-1', productId: PRODUCT, quantity: 3, receivedAt: at('12:00') }, { occurredAt: at('12:00') });
      await append(stream, 'StockReserved', { sku: 'MUG-1', productId: PRODUCT, orderId: ORDER, quantity: 2, reservedAt: at('13:00') }, { occurredAt: at('13:00') });
    });
    const levels = (state: unknown) => {
      const { onHand, reserved } = state as { onHand: number; reserved: number };
      return { onHand, reserved };
    };

    it('lists every event with its revision, position, type, data and metadata', async () => {
      const audit = await auditStream(deps, stream);
      expect(audit.streamName).to.equal(stream);
      expect(audit.events.map((e) => [e.revision, e.type])).to.deep.equal([
        [0, 'InventoryItemRegistered'],
        [1, 'StockReceived'],
        [2, 'StockReceived'],
        [3, 'StockReserved'],
      ]);
      expect(ascending(audit.events.map((e) => e.position))).to.equal(true);
      const received = audit.events[1]!;
      expect(received).to.deep.include({ streamName: stream, occurredAt: at('11:00'), storedSchemaVersion: 1 });
      expect(received.data).to.deep.equal({ sku: 'MUG-1', productId: PRODUCT, quantity: 5, receivedAt: at('11:00') });
      expect(received.metadata).to.deep.equal({ correlationId: 'receipt-1', causationId: 'receipt-1', actor: 'system', occurredAt: at('11:00'), schemaVersion: 1 });
      expect(received.recordedAt).to.be.a('string');
      expect(audit.events[0]!.metadata.actor).to.equal('admin:a1');
    });

    it('folds the state after each event with the inventory decider', async () => {
      const audit = await auditStream(deps, stream);
      expect(audit.events.map((e) => levels(e.stateAfter))).to.deep.equal([
        { onHand: 0, reserved: 0 },
        { onHand: 5, reserved: 0 },
        { onHand: 8, reserved: 0 },
        { onHand: 8, reserved: 2 },
      ]);
      expect(audit.events[3]!.stateAfter).to.deep.include({ status: 'Tracked' });
      expect(reservationOf(audit.events[3]!.stateAfter as Inventory, ORDER)).to.deep.equal({ status: 'reserved', quantity: 2 });
      expect(reservationOf(audit.events[2]!.stateAfter as Inventory, ORDER)).to.equal(undefined);
      expect(audit.asOf).to.equal(null);
      expect(levels(audit.state)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('as of a revision, gives the state then and still lists every event', async () => {
      const audit = await auditStream(deps, stream, { revision: 1 });
      expect(audit.asOf).to.deep.equal({ revision: 1 });
      expect(levels(audit.state)).to.deep.equal({ onHand: 5, reserved: 0 });
      expect(audit.events).to.have.length(4);
      expect(levels(audit.events[3]!.stateAfter)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('refuses a revision past the end (404 naming the last one) rather than answering the latest state under its name', async () => {
      const error = await rejection(auditStream(deps, stream, { revision: 99 }));
      expect(error).to.be.instanceOf(NotFoundError);
      expect((error as Error).message).to.match(/has no revision 99: its last is \d+$/);
      const last = (await auditStream(deps, stream)).total - 1;
      expect(levels((await auditStream(deps, stream, { revision: last })).state)).to.deep.equal({ onHand: 8, reserved: 2 });
    });

    it('as of a time, gives the state after the last event that had happened by then', async () => {
      const audit = await auditStream(deps, stream, { time: at('12:30') });
      expect(audit.asOf).to.deep.equal({ time: at('12:30') });
      expect(levels(audit.state)).to.deep.equal({ onHand: 8, reserved: 0 });
      expect(audit.events.map((e) => e.type)).to.deep.equal(['InventoryItemRegistered', 'StockReceived', 'StockReceived', 'StockReserved']);
    });

    it('as of the exact time of an event, includes that event', async () =>
      expect(levels((await auditStream(deps, stream, { time: at('11:00') })).state)).to.deep.equal({ onHand: 5, reserved: 0 }));

    it('as of a time before its first event, gives the initial state', async () =>
      expect((await auditStream(deps, stream, { time: at('08:00') })).state).to.deep.equal({ status: 'None' }));
  });

  describe('of a stream that does not exist', () => {
    it('is not found', async () => {
      await append('inventory-OTHER', 'InventoryItemRegistered', { sku: 'OTHER', productId: PRODUCT, registeredAt: at('10:00') });
      const error = await rejection(auditStream(deps, 'inventory-NOPE'));
      expect(error).to.be.instanceOf(NotFoundError);
      expect((error as Error).message).to.equal('stream inventory-NOPE not found');
    });
  });

  describe('of a customer stream', () => {
    it('never shows the password hash, in the data or in the state', async () => {
      const customerId = uuid();
      const passwordHash = await new PasswordHasher(10).hash('correct-horse');
      expect(passwordHash).to.match(/^scrypt\$/);
      const stream = `customer-${customerId}`;
      await append(stream, 'CustomerRegistered', { customerId, email: 'eve@example.com', name: 'Eve', passwordHash, role: 'customer', registeredAt: at('10:00') }, { occurredAt: at('10:00') });
      const address = { addressId: uuid(), line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
      await append(stream, 'CustomerAddressAdded', { customerId, address, addedAt: at('11:00') }, { occurredAt: at('11:00') });

      for (const asOf of [null, { revision: 0 }, { time: at('10:30') }]) {
        const audit = await auditStream(deps, stream, asOf);
        const text = JSON.stringify(audit);
        expect(text).not.to.include('scrypt');
        expect(text).not.to.include(passwordHash.split('$').at(-1));
        expect(audit.events[0]!.data).to.deep.include({ email: 'eve@example.com', name: 'Eve', passwordHash: '[redacted]' });
        expect(audit.events[1]!.stateAfter).to.deep.include({ status: 'Registered', email: 'eve@example.com', passwordHash: '[redacted]', addresses: [address] });
        expect(audit.state).to.deep.include({ status: 'Registered', passwordHash: '[redacted]' });
      }
      // The stored event keeps the hash: only the audit's view of it is redacted.
      expect((await store.readStream(stream))[0]!.data.passwordHash).to.equal(passwordHash);
    });
  });

  describe('of a wallet stream', () => {
    it("never shows the payment provider's token of a saved card, in the data or in the state", async () => {
      const customerId = uuid();
      const stream = `wallet-${customerId}`;
      const saved = { customerId, paymentMethodId: uuid(), token: 'tok_secret_4242', brand: 'visa', last4: '4242', label: null, isDefault: true, savedAt: at('10:00') };
      await append(stream, 'PaymentMethodSaved', saved, { occurredAt: at('10:00') });
      const audit = await auditStream(deps, stream);
      expect(JSON.stringify(audit)).not.to.include('tok_secret_4242');
      expect(audit.events[0]!.data).to.deep.include({ brand: 'visa', last4: '4242', token: '[redacted]' });
      expect(audit.state).to.deep.include({ defaultId: saved.paymentMethodId });
      expect((await store.readStream(stream))[0]!.data.token).to.equal('tok_secret_4242');
    });
  });

  describe('of a long stream (a hot SKU: thousands of reservations, each held in the state after it)', function () {
    this.timeout(120_000);
    const stream = 'inventory-HOT-1';
    const EVENTS = 2 + 3 * 998;
    beforeEach(async () => {
      await append(stream, 'InventoryItemRegistered', { sku: 'HOT-1', productId: PRODUCT, registeredAt: at('10:00') });
      await append(stream, 'StockReceived', { sku: 'HOT-1', productId: PRODUCT, quantity: 100_000, receivedAt: at('10:01') });
      for (let batch = 0; batch < 3; batch++) {
        await store.appendToStream(stream, Array.from({ length: 998 }, () => ({
          id: uuid(), type: 'StockReserved', data: { sku: 'HOT-1', productId: PRODUCT, orderId: uuid(), quantity: 1, reservedAt: at('11:00') }, metadata: { occurredAt: at('11:00'), schemaVersion: 1 },
        })));
      }
    });
    const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

    it('lists bounded pages that together cover every event once, each within its budget of bytes', async () => {
      const seen: number[] = [];
      let page: StreamAudit | undefined;
      let pages = 0;
      do {
        page = await auditStream(deps, stream, null, { fromRevision: page?.nextFromRevision ?? 0 });
        pages += 1;
        expect(page.total).to.equal(EVENTS);
        expect(page.events.length).to.be.within(1, AUDIT_PAGE.events);
        expect(bytes(page.events), `page ${pages}`).to.be.at.most(AUDIT_PAGE.bytes);
        // The body: the page's events, and the state once more beside them.
        expect(bytes(page), `page ${pages}`).to.be.at.most(AUDIT_PAGE.bytes + bytes(page.state) + 1024);
        seen.push(...page.events.map((e) => e.revision));
      } while (page.nextFromRevision !== null);
      expect(seen).to.deep.equal(Array.from({ length: EVENTS }, (_, i) => i));
      // Late events carry a state of thousands of reservations: the budget of bytes, not the count, ends their pages.
      expect(pages).to.be.greaterThan(EVENTS / AUDIT_PAGE.events);
      expect((page.state as { reserved: number }).reserved).to.equal(EVENTS - 2);
    });

    it('ends a page at its limit, and says where the next starts', async () => {
      const page = await auditStream(deps, stream, null, { fromRevision: 10, limit: 5 });
      expect(page.events.map((e) => e.revision)).to.deep.equal([10, 11, 12, 13, 14]);
      expect(page.nextFromRevision).to.equal(15);
      const end = await auditStream(deps, stream, null, { fromRevision: EVENTS - 2, limit: 5 });
      expect(end.events.map((e) => e.revision)).to.deep.equal([EVENTS - 2, EVENTS - 1]);
      expect(end.nextFromRevision).to.equal(null);
      expect((await auditStream(deps, stream, null, { fromRevision: EVENTS + 5 })).nextFromRevision).to.equal(null);
    });

    it('lets other work run while it folds the stream', async () => {
      let turns = 0;
      const ticker = setInterval(() => (turns += 1), 0);
      try {
        await auditStream(deps, stream, null, { fromRevision: EVENTS - 1 });
      } finally {
        clearInterval(ticker);
      }
      expect(turns).to.be.greaterThan(2);
    });
  });
});
