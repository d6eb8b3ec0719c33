import { expect } from 'chai';
import type { RecordedEvent } from '../../src/infrastructure/event-store/event-store.js';
import { productsProjection } from '../../src/projections/products/products.js';
import { purchasesProjection, recommendForProduct, type PurchaseView } from '../../src/projections/purchases/purchases.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

const fold = (events: RecordedEvent[]) => events.reduce<PurchaseView | null>((doc, event) => purchasesProjection.evolve(doc, event), null);

describe('Purchases projection', () => {
  describe('evolve', () => {
    it('counts an order as bought once it is confirmed', () => expect(fold([created('o-1'), confirmed('o-1')])?.confirmed).to.equal(true));

    it('no longer counts an order cancelled after its confirmation', () =>
      expect(fold([created('o-1'), confirmed('o-1'), onOrder('o-1', 'OrderCancelled', { previousStatus: 'Confirmed' })])?.confirmed).to.equal(false));

    it('no longer counts an order failed after its confirmation', () =>
      expect(fold([created('o-1'), confirmed('o-1'), onOrder('o-1', 'OrderFailed', { reason: 'out-of-stock' })])?.confirmed).to.equal(false));
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const projections = [untyped(purchasesProjection), untyped(productsProjection)];
    beforeEach(() => (fixture = projectionFixture(projections)));
    afterEach(() => fixture.close());

    const append = async (events: RecordedEvent[]) => {
      for (const event of events) await fixture.append(event.streamName, event.type, event.data, event.metadata);
      await fixture.project();
    };

    it('applying the same events twice changes nothing', async () => {
      await append([created('o-1'), confirmed('o-1'), onOrder('o-1', 'OrderCancelled', { previousStatus: 'Confirmed' })]);
      const once = await fixture.readModels.collection('purchases').find({});
      await runnerOn(fixture.events, fixture.readModels, projections, { checkpoints: 'other' }).apply(await fixture.events.readAll());
      expect(await fixture.readModels.collection('purchases').find({})).to.deep.equal(once);
      expect(once[0]).to.deep.include({ confirmed: false });
    });

    it('recommends nothing from an order that was cancelled', async () => {
      await append([product('p-1'), product('p-2'), stocked('p-2'), created('o-1'), confirmed('o-1')]);
      const products = fixture.readModels.collection('products');
      expect((await recommendForProduct(fixture.readModels.collection('purchases'), products as never, 'p-1')).map((r) => r.productId)).to.deep.equal(['p-2']);
      await append([onOrder('o-1', 'OrderCancelled', { previousStatus: 'Confirmed' })]);
      expect(await recommendForProduct(fixture.readModels.collection('purchases'), products as never, 'p-1')).to.deep.equal([]);
    });
  });
});

// ------------------------------------------------------------------ fixtures

const AT = '2024-05-01T10:00:00.000Z';
const line = (productId: string) => ({ productId, sku: `SKU-${productId}`, name: productId, quantity: 1, unitPrice: { amount: 100, currency: 'USD' } });

const onOrder = (orderId: string, type: string, data: Record<string, unknown> = {}) =>
  recorded(type, { orderId, customerId: 'c-1', ...data }, { occurredAt: AT, streamName: `order-${orderId}` });
const created = (orderId: string) => onOrder(orderId, 'OrderCreated', { lines: [line('p-1'), line('p-2')], createdAt: AT });
const confirmed = (orderId: string) => onOrder(orderId, 'OrderConfirmed', { confirmedAt: AT });
const product = (productId: string) =>
  recorded('ProductCreated', { productId, sku: `SKU-${productId}`, name: productId, description: '', brand: 'B', category: 'C', price: { amount: 100, currency: 'USD' }, createdAt: AT }, { streamName: `product-${productId}` });
const stocked = (productId: string) => recorded('StockReceived', { sku: `SKU-${productId}`, productId, quantity: 5, receivedAt: AT }, { streamName: `inventory-SKU-${productId}` });
