import Database from 'better-sqlite3';
import { join } from 'node:path';
import { v4 as uuid } from 'uuid';
import { SqliteEventStore } from '../../src/infrastructure/event-store/sqlite-event-store.js';

/**
 * A shop's history written straight into an events.db, fast, for the rebuild benchmark:
 * products with stock, customers, and orders taken all the way through the saga
 * (cart, order, payment, reservation, shipment), in the shapes the domain writes.
 */

type Row = [stream: string, revision: number, type: string, data: unknown];

const PRODUCTS = 2000;
const CUSTOMERS = 20_000;
const EVENTS_PER_ORDER = 12;

export const writeHistory = (dataDir: string, events: number): number => {
  new SqliteEventStore({ path: join(dataDir, 'events.db') }).close(); // creates the schema
  const db = new Database(join(dataDir, 'events.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF'); // a fixture, not an acknowledged write
  const insert = db.prepare(
    'INSERT INTO events (stream_name, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const at = new Date('2026-01-01T00:00:00.000Z').toISOString();
  const metadata = JSON.stringify({ correlationId: uuid(), causationId: uuid(), actor: 'bench', occurredAt: at, schemaVersion: 1 });
  const revisions = new Map<string, number>();
  let written = 0;
  const write = db.transaction((rows: Row[]) => {
    for (const [stream, , type, data] of rows) {
      const revision = (revisions.get(stream) ?? -1) + 1;
      revisions.set(stream, revision);
      insert.run(stream, revision, uuid(), type, JSON.stringify(data), metadata, at);
    }
    written += rows.length;
  });
  const products = Array.from({ length: PRODUCTS }, (_, i) => ({ productId: uuid(), sku: `SKU-${i}`, price: { amount: 500 + (i % 50) * 100, currency: 'USD' } }));
  for (let i = 0; i < PRODUCTS; i += 500) write(products.slice(i, i + 500).flatMap(productRows));
  const customers = Array.from({ length: CUSTOMERS }, () => uuid());
  for (let i = 0; i < CUSTOMERS; i += 1000) write(customers.slice(i, i + 1000).flatMap(customerRows));
  for (let n = 0; written < events; n += 1) {
    const batch: Row[] = [];
    for (let k = 0; k < 200 && written + batch.length < events; k += 1) {
      batch.push(...orderRows(customers[(n * 200 + k) % CUSTOMERS]!, products[(n * 31 + k * 7) % PRODUCTS]!));
    }
    write(batch.slice(0, events - written));
  }
  db.close();
  return written;
};

const productRows = (p: { productId: string; sku: string; price: { amount: number; currency: string } }): Row[] => [
  [`inventory-${p.sku}`, 0, 'InventoryItemRegistered', { sku: p.sku, productId: p.productId, registeredAt: '2026-01-01T00:00:00.000Z' }],
  [`product-${p.productId}`, 0, 'ProductCreated', { productId: p.productId, sku: p.sku, name: `Product ${p.sku}`, description: 'A product of the benchmark shop', brand: `Brand ${p.sku.length % 7}`, category: `Category ${p.sku.length % 5}`, price: p.price, createdAt: '2026-01-01T00:00:00.000Z' }],
  [`inventory-${p.sku}`, 1, 'StockReceived', { sku: p.sku, productId: p.productId, quantity: 1_000_000, receivedAt: '2026-01-01T00:00:00.000Z' }],
];

const customerRows = (customerId: string): Row[] => [
  [`customer-${customerId}`, 0, 'CustomerRegistered', { customerId, email: `${customerId}@bench.local`, name: 'Bench Shopper', passwordHash: 'scrypt$bench', role: 'customer', registeredAt: '2026-01-01T00:00:00.000Z' }],
];

/** One order through the whole saga: 12 events over 6 streams. */
const orderRows = (customerId: string, p: { productId: string; sku: string; price: { amount: number; currency: string } }): Row[] => {
  const orderId = uuid();
  const paymentId = uuid();
  const shipmentId = uuid();
  const t = '2026-01-01T00:00:00.000Z';
  const line = { productId: p.productId, sku: p.sku, name: `Product ${p.sku}`, quantity: 2, unitPrice: p.price };
  const total = { amount: p.price.amount * 2, currency: 'USD' };
  const address = { line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
  const rows: Row[] = [
    [`cart-${customerId}`, 0, 'CartItemAdded', { customerId, productId: p.productId, sku: p.sku, name: line.name, quantity: 2, unitPrice: p.price, addedAt: t }],
    [`order-${orderId}`, 0, 'OrderCreated', { orderId, customerId, paymentId, shipmentId, lines: [line], total, shippingAddress: address, paymentMethod: { token: 'tok_visa' }, createdAt: t }],
    [`cart-${customerId}`, 0, 'CartCheckedOut', { customerId, orderId, lines: [line], checkedOutAt: t }],
    [`payment-${paymentId}`, 0, 'PaymentRequested', { paymentId, orderId, customerId, amount: total, token: 'tok_visa', requestedAt: t, expiresAt: t }],
    [`payment-${paymentId}`, 1, 'PaymentProcessed', { paymentId, orderId, customerId, amount: total, providerReference: `ch_${paymentId}`, processedAt: t }],
    [`order-${orderId}`, 1, 'OrderPaid', { orderId, customerId, paymentId, paidAt: t }],
    [`inventory-${p.sku}`, 0, 'StockReserved', { sku: p.sku, productId: p.productId, orderId, quantity: 2, reservedAt: t }],
    [`order-${orderId}`, 2, 'OrderConfirmed', { orderId, customerId, confirmedAt: t }],
    [`shipment-${shipmentId}`, 0, 'ShipmentPrepared', { shipmentId, orderId, customerId, lines: [line], shippingAddress: address, preparedAt: t }],
    [`order-${orderId}`, 3, 'OrderShipped', { orderId, customerId, shipmentId, trackingNumber: `TRK${orderId.slice(0, 8)}`, lines: [line], shippedAt: t }],
    [`inventory-${p.sku}`, 0, 'StockDispatched', { sku: p.sku, productId: p.productId, orderId, quantity: 2, dispatchedAt: t }],
    [`order-${orderId}`, 4, 'OrderDelivered', { orderId, customerId, shipmentId, lines: [line], deliveredAt: t }],
  ];
  if (rows.length !== EVENTS_PER_ORDER) throw new Error('the order fixture changed');
  return rows;
};
