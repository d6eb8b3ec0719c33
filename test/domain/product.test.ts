import { expect } from 'chai';
import {
  productDecider,
  productStream,
  type CreateProduct,
  type ProductCreated,
  type ProductDetails,
  type ProductPriceChanged,
  type ProductUpdated,
  type UpdateProduct,
} from '../../src/domain/catalog/product.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/domain/shared/errors.js';
import { money, type Money } from '../../src/domain/shared/types.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(productDecider);

describe('Product', () => {
  describe('when it does not exist', () => {
    it('is created', () => given([]).when(create()).then([created()]));

    it('is created with its details trimmed', () =>
      given([]).when(create({ name: '  Tea Pot ', description: ' Holds tea. ', brand: ' Brewster', category: 'Kitchen  ' })).then([created()]));

    it('is created with a blank description', () =>
      given([]).when(create({ description: '   ' })).then([created({ description: '' })]));

    it('is created free of charge', () =>
      given([]).when(create({ price: money(0, 'EUR') })).then([created({ price: money(0, 'EUR') })]));

    for (const field of ['name', 'brand', 'category'] as const) {
      it(`cannot be created with a blank ${field}`, () =>
        given([]).when(create({ [field]: '  ' })).thenThrows(ValidationError, /invalid product details/));
    }

    it('names every blank field', () =>
      expect(errorsOf(() => productDecider.decide(create({ name: '', brand: ' ', category: '' }), productDecider.initialState())))
        .to.deep.equal([
          { field: 'name', message: 'must not be blank' },
          { field: 'brand', message: 'must not be blank' },
          { field: 'category', message: 'must not be blank' },
        ]));

    for (const [label, amount] of [
      ['a negative price', -1],
      ['a fractional price', 9.99],
      ['a price that is not a number', Number.NaN],
      ['a price beyond safe integers', Number.MAX_SAFE_INTEGER + 1],
    ] as const) {
      it(`cannot be created with ${label}`, () =>
        given([]).when(create({ price: money(amount, 'EUR') })).thenThrows(ValidationError, /invalid price/));
    }

    it('cannot be updated', () => given([]).when(update({ name: 'Kettle' })).thenThrows(NotFoundError, /product not found/));

    it('cannot have its price changed', () =>
      given([]).when(update({}, money(500, 'EUR'))).thenThrows(NotFoundError, /product not found/));
  });

  describe('when listed', () => {
    it('cannot be created again', () => given([created()]).when(create()).thenThrows(ConflictError, /already exists/));

    it('is updated with only the details that changed', () =>
      given([created()])
        .when(update({ name: 'Tea Pot', description: 'Holds more tea.', brand: 'Brewster', category: 'Tableware' }))
        .then([updated({ description: 'Holds more tea.', category: 'Tableware' })]));

    it('compares trimmed details: padding alone is no change', () =>
      given([created()]).when(update({ name: '  Tea Pot  ' })).then([]));

    it('records trimmed changes', () =>
      given([created()]).when(update({ name: '  Kettle ' })).then([updated({ name: 'Kettle' })]));

    it('appends nothing when nothing changed', () =>
      given([created()]).when(update({ name: 'Tea Pot', brand: 'Brewster' }, PRICE)).then([]));

    it('appends nothing for an empty update', () => given([created()]).when(update({})).then([]));

    it('ignores fields that are not product details', () =>
      given([created()]).when(update({ sku: 'SKU-9' } as Partial<ProductDetails>)).then([]));

    it('cannot have a detail blanked', () =>
      given([created()]).when(update({ brand: '  ' })).thenThrows(ValidationError, /invalid product details/));

    it('can have its description cleared', () =>
      given([created()]).when(update({ description: '' })).then([updated({ description: '' })]));

    it('changes price', () =>
      given([created()]).when(update({}, money(1_500, 'EUR'))).then([priceChanged(money(1_500, 'EUR'), PRICE)]));

    it('changes details and price in one go, details first', () =>
      given([created()])
        .when(update({ name: 'Kettle' }, money(1_500, 'EUR')))
        .then([updated({ name: 'Kettle' }), priceChanged(money(1_500, 'EUR'), PRICE)]));

    it('keeps its currency', () =>
      given([created()]).when(update({}, money(PRICE.amount, 'USD'))).thenThrows(ValidationError, /keeps its currency/));

    it('rejects a currency change even alongside detail changes', () =>
      given([created()]).when(update({ name: 'Kettle' }, money(1_500, 'USD'))).thenThrows(ValidationError, /keeps its currency/));

    for (const [label, amount] of [
      ['a negative price', -100],
      ['a fractional price', 12.5],
    ] as const) {
      it(`cannot have ${label}`, () =>
        given([created()]).when(update({}, money(amount, 'EUR'))).thenThrows(ValidationError, /invalid price/));
    }
  });

  describe('when its price changed before', () => {
    it('compares a new price with the latest one', () =>
      given([created(), priceChanged(money(1_500, 'EUR'), PRICE)]).when(update({}, money(1_500, 'EUR'))).then([]));

    it('records the latest price as the previous one', () =>
      given([created(), priceChanged(money(1_500, 'EUR'), PRICE)])
        .when(update({}, money(900, 'EUR')))
        .then([priceChanged(money(900, 'EUR'), money(1_500, 'EUR'))]));
  });

  describe('state', () => {
    it('folds creation, detail changes and price changes', () =>
      expect(given([created(), updated({ name: 'Kettle' }), priceChanged(money(1_500, 'EUR'), PRICE)]).state()).to.deep.equal({
        status: 'Listed',
        productId: PRODUCT,
        sku: SKU,
        details: { name: 'Kettle', description: 'Holds tea.', brand: 'Brewster', category: 'Kitchen' },
        price: money(1_500, 'EUR'),
      }));

    it('ignores updates of a product that was never created', () =>
      expect(given([updated({ name: 'Kettle' })]).state()).to.deep.equal({ status: 'None' }));
  });

  it('lives in the stream product-<id>', () => expect(productStream('p-1')).to.equal('product-p-1'));
});

// ------------------------------------------------------------------ fixtures

const PRODUCT = 'p-42';
const SKU = 'TEA-POT-1';
const PRICE = money(1_250, 'EUR');
const CREATED_AT = '2024-05-01T09:00:00.000Z';
const NOW = '2024-05-02T10:00:00.000Z';

const details = (): ProductDetails => ({ name: 'Tea Pot', description: 'Holds tea.', brand: 'Brewster', category: 'Kitchen' });

const create = (overrides: Partial<CreateProduct> = {}): CreateProduct => ({
  type: 'CreateProduct',
  productId: PRODUCT,
  sku: SKU,
  ...details(),
  price: PRICE,
  now: CREATED_AT,
  ...overrides,
});

const update = (changes: Partial<ProductDetails>, price?: Money): UpdateProduct =>
  price ? { type: 'UpdateProduct', changes, price, now: NOW } : { type: 'UpdateProduct', changes, now: NOW };

const created = (overrides: Partial<ProductCreated['data']> = {}): ProductCreated => ({
  type: 'ProductCreated',
  data: { productId: PRODUCT, sku: SKU, ...details(), price: PRICE, createdAt: CREATED_AT, ...overrides },
});

const updated = (changes: Partial<ProductDetails>): ProductUpdated => ({
  type: 'ProductUpdated',
  data: { productId: PRODUCT, changes, updatedAt: NOW },
});

const priceChanged = (price: Money, previousPrice: Money): ProductPriceChanged => ({
  type: 'ProductPriceChanged',
  data: { productId: PRODUCT, price, previousPrice, changedAt: NOW },
});

const errorsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a ValidationError');
};
