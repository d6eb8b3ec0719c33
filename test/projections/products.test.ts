import { expect } from 'chai';
import { money, type Money } from '../../src/domain/shared/types.js';
import {
  evolve,
  getProduct,
  listProducts,
  productsProjection,
  toProduct,
  type ProductQuery,
  type ProductView,
} from '../../src/projections/products/products.js';
import { projectionFixture, recorded, runnerOn, untyped } from './projection-fixture.js';

describe('Products projection', () => {
  describe('evolve', () => {
    it('lists a created product, with lower-cased brand and category keys and its name as sorted', () =>
      expect(evolve(null, recorded('ProductCreated', created('p-1'), { revision: 0, position: 3 }))).to.deep.equal({
        _id: 'p-1',
        productId: 'p-1',
        sku: 'SKU-p-1',
        name: 'Tea Pot',
        nameKey: 'tea pot',
        description: 'Holds tea.',
        brand: 'Brewster',
        category: 'Kitchen',
        brandKey: 'brewster',
        categoryKey: 'kitchen',
        price: money(1_250, 'EUR'),
        onHand: 0,
        reserved: 0,
        available: 0,
        rating: { average: 0, count: 0 },
        ratingSum: 0,
        listed: true,
        revision: 0,
        createdAt: CREATED_AT,
        updatedAt: CREATED_AT,
      }));

    it('applies only the changed details, recomputing the keys', () => {
      const doc = evolve(
        evolve(null, recorded('ProductCreated', created('p-1'))),
        recorded('ProductUpdated', updated('p-1', { brand: 'TeaCo', category: 'Tea Time' }), { revision: 1 }),
      );
      expect(doc).to.deep.include({
        name: 'Tea Pot',
        brand: 'TeaCo',
        category: 'Tea Time',
        brandKey: 'teaco',
        categoryKey: 'tea time',
        revision: 1,
        updatedAt: LATER,
        createdAt: CREATED_AT,
      });
    });

    it('takes a new price', () => {
      const doc = evolve(
        evolve(null, recorded('ProductCreated', created('p-1'))),
        recorded('ProductPriceChanged', priceChanged('p-1', money(990, 'EUR'), money(1_250, 'EUR')), { revision: 1 }),
      );
      expect(doc).to.deep.include({ price: money(990, 'EUR'), revision: 1, updatedAt: LATER });
    });

    it('adds received stock and adjustments to what is available, without moving the product revision', () => {
      const events = [
        recorded('ProductCreated', created('p-1'), { revision: 0 }),
        recorded('InventoryItemRegistered', registered('p-1'), { revision: 0 }),
        recorded('StockReceived', received('p-1', 10), { revision: 1 }),
        recorded('StockAdjusted', adjusted('p-1', -3), { revision: 2 }),
      ];
      expect(fold(events)).to.deep.include({ onHand: 7, reserved: 0, available: 7, revision: 0 });
    });

    it('keeps stock that arrived before the product, unlisted until it is created', () => {
      const stockFirst = fold([recorded('InventoryItemRegistered', registered('p-1')), recorded('StockReceived', received('p-1', 4))]);
      expect(stockFirst).to.deep.include({ listed: false, sku: 'SKU-p-1', onHand: 4, available: 4 });
      expect(evolve(stockFirst, recorded('ProductCreated', created('p-1')))).to.deep.include({ listed: true, onHand: 4, available: 4 });
    });

    it('touches the document of the event\'s product', () =>
      expect(productsProjection.documentIds(recorded('StockReceived', received('p-9', 1)))).to.deep.equal(['p-9']));
  });

  describe('when projected by the runner', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    beforeEach(() => (fixture = projectionFixture([untyped(productsProjection)])));
    afterEach(() => fixture.close());

    it('applying the same events twice changes nothing', async () => {
      await fixture.append('product-p-1', 'ProductCreated', created('p-1'));
      await fixture.append('inventory-SKU-p-1', 'InventoryItemRegistered', registered('p-1'));
      await fixture.append('inventory-SKU-p-1', 'StockReceived', received('p-1', 5));
      await fixture.project();
      const once = await fixture.readModels.collection('products').find({});
      // A second runner with checkpoints of its own: every event reaches the projection again.
      await runnerOn(fixture.events, fixture.readModels, [untyped(productsProjection)], { checkpoints: 'other' }).apply(
        await fixture.events.readAll(),
      );
      expect(await fixture.readModels.collection('products').find({})).to.deep.equal(once);
      expect(once[0]).to.deep.include({ onHand: 5, available: 5, listed: true });
    });
  });

  describe('queries', () => {
    let fixture: ReturnType<typeof projectionFixture>;
    const products = () => fixture.readModels.collection<ProductView>('products');
    const list = async (query: Partial<ProductQuery> = {}) => listProducts(products(), { page: 1, pageSize: 10, ...query });
    const names = async (query: Partial<ProductQuery> = {}) => (await list(query)).items.map((p) => p.name);

    beforeEach(async () => {
      fixture = projectionFixture([untyped(productsProjection)]);
      await catalog(fixture);
      await fixture.project();
    });
    afterEach(() => fixture.close());

    describe('listProducts', () => {
      it('lists listed products, newest first, and hides products never created', async () => {
        const page = await list();
        expect(page.items.map((p) => p.name)).to.deep.equal(['Apron', 'Mug', 'Kettle', 'Tea Pot']);
        expect(page).to.deep.include({ total: 4, page: 1, pageSize: 10 });
      });

      it('filters by category whatever the casing', async () => {
        expect(await names({ category: 'KITCHEN' })).to.deep.equal(['Kettle', 'Tea Pot']);
        expect((await list({ category: 'kitchen' })).total).to.equal(2);
      });

      it('filters by brand whatever the casing', async () =>
        expect(await names({ brand: 'brewster' })).to.deep.equal(['Apron', 'Kettle', 'Tea Pot']));

      it('combines category and brand', async () =>
        expect(await names({ category: 'Kitchen', brand: 'Brewster' })).to.deep.equal(['Kettle', 'Tea Pot']));

      it('finds nothing for an unknown category', async () => {
        const page = await list({ category: 'Garden' });
        expect(page.items).to.deep.equal([]);
        expect(page.total).to.equal(0);
      });

      it('filters by an inclusive price range', async () => {
        expect(await names({ minPrice: 1_250, maxPrice: 2_000 })).to.deep.equal(['Apron', 'Tea Pot']);
        expect((await list({ minPrice: 1_250, maxPrice: 2_000 })).total).to.equal(2);
      });

      it('filters by a minimum price alone', async () => expect(await names({ minPrice: 2_001 })).to.deep.equal(['Kettle']));

      it('filters by a maximum price alone, zero included', async () => {
        expect(await names({ maxPrice: 800 })).to.deep.equal(['Mug']);
        expect(await names({ maxPrice: 0 })).to.deep.equal([]);
      });

      it('sorts by price, both ways, and by name', async () => {
        expect(await names({ sort: 'price' })).to.deep.equal(['Mug', 'Tea Pot', 'Apron', 'Kettle']);
        expect(await names({ sort: '-price' })).to.deep.equal(['Kettle', 'Apron', 'Tea Pot', 'Mug']);
        expect(await names({ sort: 'name' })).to.deep.equal(['Apron', 'Kettle', 'Mug', 'Tea Pot']);
      });

      it('pages, counting every match in total', async () => {
        expect(await list({ sort: 'name', page: 1, pageSize: 3 })).to.deep.include({ total: 4, page: 1, pageSize: 3 });
        expect(await names({ sort: 'name', page: 1, pageSize: 3 })).to.deep.equal(['Apron', 'Kettle', 'Mug']);
        expect(await names({ sort: 'name', page: 2, pageSize: 3 })).to.deep.equal(['Tea Pot']);
        expect(await list({ sort: 'name', page: 3, pageSize: 3 })).to.deep.include({ items: [], total: 4 });
      });

      it('pages within a filter', async () => {
        const page = await list({ brand: 'Brewster', sort: 'name', page: 2, pageSize: 2 });
        expect(page.items.map((p) => p.name)).to.deep.equal(['Tea Pot']);
        expect(page.total).to.equal(3);
      });

      it('finds a product under its new category after an update, not the old one', async () => {
        await fixture.append('product-p-3', 'ProductUpdated', updated('p-3', { category: 'Kitchen' }));
        await fixture.project();
        expect(await names({ category: 'kitchen' })).to.deep.equal(['Mug', 'Kettle', 'Tea Pot']);
        expect(await names({ category: 'Tableware' })).to.deep.equal([]);
      });

      it('hands out products without bookkeeping fields', async () => {
        const [apron] = (await list()).items;
        expect(apron).to.deep.equal({
          productId: 'p-4',
          sku: 'SKU-p-4',
          name: 'Apron',
          description: 'Holds tea.',
          brand: 'Brewster',
          category: 'Textiles',
          price: money(2_000, 'EUR'),
          available: 0,
          inStock: false,
          rating: { average: 0, count: 0 },
          createdAt: '2024-01-04T00:00:00.000Z',
          updatedAt: '2024-01-04T00:00:00.000Z',
        });
      });
    });

    describe('getProduct', () => {
      it('returns the product with its stock and the product stream revision', async () => {
        await fixture.append('product-p-1', 'ProductPriceChanged', priceChanged('p-1', money(1_100, 'EUR'), money(1_250, 'EUR')));
        await fixture.project();
        const found = await getProduct(products(), 'p-1');
        expect(found?.revision).to.equal(1);
        expect(found?.product).to.deep.include({ name: 'Tea Pot', price: money(1_100, 'EUR'), available: 6, inStock: true });
      });

      it('finds nothing for an unknown product', async () => expect(await getProduct(products(), 'p-404')).to.equal(undefined));

      it('finds nothing for a product that only has stock so far', async () =>
        expect(await getProduct(products(), 'p-5')).to.equal(undefined));
    });
  });

  describe('toProduct', () => {
    it('never shows negative availability, and is out of stock then', () => {
      const doc = { ...evolve(null, recorded('ProductCreated', created('p-1'))), onHand: 1, reserved: 3, available: -2 };
      expect(toProduct(doc)).to.deep.include({ available: 0, inStock: false });
    });
  });
});

// ------------------------------------------------------------------ fixtures

const CREATED_AT = '2024-05-01T09:00:00.000Z';
const LATER = '2024-05-02T10:00:00.000Z';

const fold = (events: ReturnType<typeof recorded>[]) =>
  events.reduce<ProductView | null>((doc, event) => evolve(doc, event), null);

type Details = { name?: string; brand?: string; category?: string; price?: Money; createdAt?: string };

const created = (productId: string, details: Details = {}) => ({
  productId,
  sku: `SKU-${productId}`,
  name: 'Tea Pot',
  description: 'Holds tea.',
  brand: 'Brewster',
  category: 'Kitchen',
  price: money(1_250, 'EUR'),
  createdAt: CREATED_AT,
  ...details,
});

const updated = (productId: string, changes: Record<string, string>) => ({ productId, changes, updatedAt: LATER });

const priceChanged = (productId: string, price: Money, previousPrice: Money) => ({ productId, price, previousPrice, changedAt: LATER });

const registered = (productId: string) => ({ sku: `SKU-${productId}`, productId, registeredAt: CREATED_AT });

const received = (productId: string, quantity: number) => ({ sku: `SKU-${productId}`, productId, quantity, receivedAt: LATER });

const adjusted = (productId: string, delta: number) => ({ sku: `SKU-${productId}`, productId, delta, reason: 'count', adjustedAt: LATER });

/** Four listed products (one with stock) and one SKU whose product was never created. */
const catalog = async (fixture: ReturnType<typeof projectionFixture>) => {
  const product = (id: string, details: Details) => fixture.append(`product-${id}`, 'ProductCreated', created(id, details));
  await product('p-1', { name: 'Tea Pot', brand: 'Brewster', category: 'Kitchen', price: money(1_250, 'EUR'), createdAt: '2024-01-01T00:00:00.000Z' });
  await product('p-2', { name: 'Kettle', brand: 'BREWSTER', category: 'kitchen', price: money(3_000, 'EUR'), createdAt: '2024-01-02T00:00:00.000Z' });
  await product('p-3', { name: 'Mug', brand: 'Clay & Co', category: 'Tableware', price: money(800, 'EUR'), createdAt: '2024-01-03T00:00:00.000Z' });
  await product('p-4', { name: 'Apron', brand: 'Brewster', category: 'Textiles', price: money(2_000, 'EUR'), createdAt: '2024-01-04T00:00:00.000Z' });
  await fixture.append('inventory-SKU-p-1', 'InventoryItemRegistered', registered('p-1'));
  await fixture.append('inventory-SKU-p-1', 'StockReceived', received('p-1', 6));
  await fixture.append('inventory-SKU-p-5', 'InventoryItemRegistered', registered('p-5'));
  await fixture.append('inventory-SKU-p-5', 'StockReceived', received('p-5', 2));
};
