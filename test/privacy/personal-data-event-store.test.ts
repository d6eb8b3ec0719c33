import { expect } from 'chai';
import { ERASED } from '../../src/domain/shared/erased.js';
import type { EventToAppend, RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';
import { KeyDestroyedError, keyIds } from '../../src/privacy/key-store.js';
import { PersonalDataEventStore } from '../../src/privacy/personal-data-event-store.js';
import { PERSONAL_DATA_IN_EVENTS } from '../../src/privacy/personal-data.js';
import { UnclassifiedDataError } from '../../src/privacy/personal-fields.js';
import { SqliteKeyStore } from '../../src/privacy/sqlite-key-store.js';

const ANN = '8d1f6a52-0c3b-4e8e-9f1a-2b3c4d5e6f70';
const BOB = '1a2b3c4d-5e6f-4a0b-8c1d-2e3f4a5b6c7d';
let ids = 0;
const event = (type: string, data: Record<string, unknown>): EventToAppend => ({
  id: `00000000-0000-4000-8000-${String((ids += 1)).padStart(12, '0')}`,
  type,
  data,
  metadata: {},
});
const registered = (customerId: string, email: string) =>
  event('CustomerRegistered', { customerId, email, name: 'Ann Lovelace', passwordHash: 'scrypt$abc', role: 'customer', registeredAt: '2026-12-02T10:00:00.000Z' });
const STREET = { line1: '12 Quiet Lane', city: 'Bruges', postalCode: '8000', country: 'BE' };
const ordered = (customerId: string) =>
  event('OrderCreated', {
    orderId: 'o-1',
    customerId,
    paymentId: 'p-1',
    shipmentId: 's-1',
    lines: [{ productId: 'x', sku: 'SKU-1', name: 'Kettle', quantity: 1, unitPrice: { amount: 1000, currency: 'EUR' } }],
    total: { amount: 1000, currency: 'EUR' },
    shippingAddress: STREET,
    paymentMethod: { token: 'tok_visa', paymentMethodId: 'pm-1' },
    createdAt: '2026-12-02T10:00:00.000Z',
  });

const sealedValue = (stored: RecordedEvent) => (stored.data.$sealed as Record<string, { value: string }>).profile!.value;

describe('The personal-data event store', () => {
  let raw: SqliteEventStore;
  let keys: SqliteKeyStore;
  let store: PersonalDataEventStore;
  beforeEach(() => {
    raw = new SqliteEventStore({ path: ':memory:' });
    keys = new SqliteKeyStore(':memory:');
    store = new PersonalDataEventStore(raw, keys);
  });
  afterEach(async () => store.close());

  it('stores personal fields sealed and plain fields as they are', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'ann@example.com')]);
    const [stored] = await raw.readStream(`customer-${ANN}`);
    expect(stored!.data).to.deep.equal({
      customerId: ANN,
      role: 'customer',
      registeredAt: '2026-12-02T10:00:00.000Z',
      $sealed: { profile: { paths: [['email'], ['name'], ['passwordHash']], value: sealedValue(stored!) } },
    });
    expect(sealedValue(stored!)).to.match(new RegExp(`^pd1:profile-${ANN}:`));
    expect(JSON.stringify(stored)).to.not.match(/ann@example|Lovelace|scrypt/);
  });

  it('seals the same value differently each time (a random IV per value)', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'same@example.com')]);
    await store.appendToStream(`customer-${BOB}`, [registered(BOB, 'same@example.com')]);
    const [a, b] = await raw.readAll();
    expect(sealedValue(a!).split(':').slice(2)).to.not.deep.equal(sealedValue(b!).split(':').slice(2));
  });

  it('opens them on every way out: a stream, $all, a subscription and its batches', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'ann@example.com')]);
    await store.appendToStream(`order-o-1`, [ordered(ANN)]);
    const clear = (events: RecordedEvent[]) => events.map((e) => [e.type, e.data.email ?? e.data.shippingAddress]);
    const expected = [
      ['CustomerRegistered', 'ann@example.com'],
      ['OrderCreated', STREET],
    ];
    expect(clear([...(await store.readStream(`customer-${ANN}`)), ...(await store.readStream('order-o-1'))])).to.deep.equal(expected);
    expect(clear(await store.readAll())).to.deep.equal(expected);
    expect(clear(await store.readAll({ direction: 'backwards' })).reverse()).to.deep.equal(expected);
    const subscription = store.subscribeToAll();
    const seen: RecordedEvent[] = [];
    for await (const e of subscription) if (seen.push(e) === 2) break;
    expect(clear(seen)).to.deep.equal(expected);
    const batched = store.subscribeToAll();
    const [batch] = await batched.batches!(10)[Symbol.asyncIterator]().next().then((r) => [r.value as RecordedEvent[]]);
    await batched.close();
    expect(clear(batch!)).to.deep.equal(expected);
  });

  it('reads a destroyed key\'s values as the placeholder, leaf by leaf, and the other purpose\'s as they were', async () => {
    await store.appendToStream(`customer-${ANN}`, [
      registered(ANN, 'ann@example.com'),
      event('CustomerAddressAdded', { customerId: ANN, address: { addressId: 'a-1', ...STREET }, addedAt: '2026-12-02T10:00:00.000Z' }),
    ]);
    await store.appendToStream('order-o-1', [ordered(ANN)]);
    await store.keys.destroy(keyIds.profile(ANN), '2026-12-03T00:00:00.000Z');
    const [reg, added] = await store.readStream(`customer-${ANN}`);
    expect(reg!.data).to.deep.equal({ customerId: ANN, email: ERASED, name: ERASED, passwordHash: ERASED, role: 'customer', registeredAt: '2026-12-02T10:00:00.000Z' });
    expect(added!.data.address).to.deep.equal({ addressId: 'a-1', line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
    const [order] = await store.readStream('order-o-1');
    expect(order!.data.shippingAddress, 'the invoice key is kept').to.deep.equal(STREET);
    expect(order!.data.paymentMethod).to.deep.equal({ token: ERASED, paymentMethodId: 'pm-1' });
    expect(order!.data.total).to.deep.equal({ amount: 1000, currency: 'EUR' });
  });

  it('refuses personal data for a customer whose key was destroyed, appending nothing', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'ann@example.com')]);
    await store.keys.destroy(keyIds.profile(ANN), '2026-12-03T00:00:00.000Z');
    const head = await raw.headPosition();
    const error = await store
      .appendToStream(`customer-${ANN}`, [event('CustomerAddressAdded', { customerId: ANN, address: { addressId: 'a-2', ...STREET }, addedAt: 'x' })])
      .catch((e) => e);
    expect(error).to.be.instanceOf(KeyDestroyedError);
    expect(await raw.headPosition()).to.equal(head);
    // Events without personal values still append for them (their orders go on).
    await store.appendToStream(`customer-${ANN}`, [event('CustomerRoleChanged', { customerId: ANN, role: 'admin', changedAt: 'x' })]);
  });

  it('reads as the placeholder what it sealed after another process destroyed the key (no value it cannot open is ever read)', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'ann@example.com')]);
    await keys.destroy(keyIds.profile(ANN), '2026-12-03T00:00:00.000Z'); // straight in the store: another process
    await store.appendToStream(`customer-${ANN}`, [
      event('CustomerAddressAdded', { customerId: ANN, address: { addressId: 'a-3', ...STREET }, addedAt: 'x' }),
    ]);
    const [reg, added] = await store.readStream(`customer-${ANN}`);
    expect(reg!.data.email).to.equal(ERASED);
    expect(added!.data.address).to.deep.equal({ addressId: 'a-3', line1: ERASED, city: ERASED, postalCode: ERASED, country: ERASED });
  });

  it('refuses an event type, or a field, the inventory does not classify, appending nothing', async () => {
    for (const unclassified of [
      event('SomethingNew', { customerId: ANN }),
      event('CustomerRoleChanged', { customerId: ANN, role: 'admin', changedAt: 'x', nickname: 'annie' }),
      event('CustomerAddressAdded', { customerId: ANN, address: { addressId: 'a', ...STREET, phone: '+32 1' }, addedAt: 'x' }),
    ]) {
      const error = await store.appendToStream(`customer-${ANN}`, [unclassified]).catch((e) => e);
      expect(error, unclassified.type).to.be.instanceOf(UnclassifiedDataError);
    }
    expect(await raw.headPosition()).to.equal(0);
  });

  it('fails loudly on a sealed value altered in the log or moved under another customer\'s key', async () => {
    await store.appendToStream(`customer-${ANN}`, [registered(ANN, 'ann@example.com')]);
    await store.appendToStream(`customer-${BOB}`, [registered(BOB, 'bob@example.com')]);
    const [ann] = await raw.readStream(`customer-${ANN}`);
    const sealed = sealedValue(ann!);
    // Another character in the place of the one before the last (which carries bits of the ciphertext whatever the length).
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.slice(-1);
    expect(flipped).to.not.equal(sealed);
    const moved = sealed.replace(`profile-${ANN}`, `profile-${BOB}`);
    for (const value of [flipped, moved]) {
      const forged = new SqliteEventStore({ path: ':memory:' });
      const $sealed = { profile: { ...(ann!.data.$sealed as { profile: object }).profile, value } };
      await forged.appendToStream(`customer-${ANN}`, [{ ...registered(ANN, ''), data: { ...ann!.data, $sealed } }]);
      const reader = new PersonalDataEventStore(forged, keys);
      expect(await reader.readAll().catch((e) => e)).to.be.instanceOf(Error);
      await forged.close();
    }
  });

  it('reads values an older version stored in clear as they are', async () => {
    await raw.appendToStream(`customer-${ANN}`, [registered(ANN, 'old@example.com')]);
    const [reg] = await store.readStream(`customer-${ANN}`);
    expect(reg!.data).to.include({ email: 'old@example.com', name: 'Ann Lovelace' });
  });

  it('classifies every field of every event type the domain appends', () => {
    const personal = Object.entries(PERSONAL_DATA_IN_EVENTS).filter(([, fields]) => JSON.stringify(fields).match(/profile|invoice/));
    expect(personal.map(([type]) => type)).to.include.members(['CustomerRegistered', 'CustomerAddressAdded', 'PaymentMethodSaved', 'OrderCreated', 'ReviewSubmitted', 'ShipmentPrepared']);
  });
});
