import { expect } from 'chai';
import {
  MAX_LINES,
  MAX_QUANTITY_PER_LINE,
  cartDecider,
  cartStream,
  cartTotal,
  type AddCartItem,
  type CartCheckedOut,
  type CartItemAdded,
  type CartItemQuantityChanged,
  type CartItemRemoved,
  type CartItemRepriced,
  type RepriceCart,
  type CartLine,
  type ChangeCartItemQuantity,
  type CheckOutCart,
  type RemoveCartItem,
} from '../../src/domain/cart/cart.js';
import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../../src/domain/shared/errors.js';
import type { Money } from '../../src/domain/shared/types.js';
import { specFor } from '../support/given-when-then.js';

const { given } = specFor(cartDecider);

describe('Cart', () => {
  describe('when empty', () => {
    it('gets a new line', () => given([]).when(add(MUG, 2)).then([added(MUG, 2)]));

    it('gets a line of the most one line may hold', () =>
      given([]).when(add(MUG, MAX_QUANTITY_PER_LINE)).then([added(MUG, MAX_QUANTITY_PER_LINE)]));

    it('gets a line of exactly what is available', () => given([]).when(add(MUG, 3, { available: 3 })).then([added(MUG, 3)]));

    it('does not get more than is available', () =>
      given([]).when(add(MUG, 3, { available: 2 })).thenThrows(ConflictError, /not enough available: 2 left, 3 wanted/));

    it('says nothing is left when less than nothing is available', () =>
      given([]).when(add(MUG, 1, { available: -4 })).thenThrows(ConflictError, /not enough available: 0 left, 1 wanted/));

    for (const [label, quantity] of [
      ['zero', 0],
      ['a negative quantity', -1],
      ['more than a line may hold', MAX_QUANTITY_PER_LINE + 1],
      ['a fractional quantity', 1.5],
      ['not a number', Number.NaN],
    ] as const) {
      it(`refuses ${label}`, () => given([]).when(add(MUG, quantity)).thenThrows(ValidationError, /invalid quantity/));
    }

    it('names the quantity field when it refuses a quantity', () => {
      const error = catchError(() => cartDecider.decide(add(MUG, 0), cartDecider.initialState()));
      expect(error).to.be.instanceOf(ValidationError);
      expect((error as ValidationError).errors).to.deep.equal([{ field: 'quantity', message: 'must be an integer from 1 to 100' }]);
    });

    it('cannot change the quantity of a product it does not hold', () =>
      given([]).when(change(MUG, 2)).thenThrows(NotFoundError, /this product is not in the cart/));

    it('cannot remove a product it does not hold', () =>
      given([]).when(remove(MUG)).thenThrows(NotFoundError, /this product is not in the cart/));

    it('cannot be checked out', () => given([]).when(checkOut()).thenThrows(UnprocessableError, /the cart is empty/));

    it('decides nothing when the saga ensures a checkout', () => given([]).when(checkOut({ ensure: true })).then([]));
  });

  describe('when holding a line', () => {
    const holding = () => [added(MUG, 2)];

    it('adds to that line', () => given(holding()).when(add(MUG, 3)).then([added(MUG, 3)]));

    it('adds to that line at the price and name the catalog shows now', () =>
      given(holding()).when(add(MUG, 1, NEW_MUG)).then([added(MUG, 1, NEW_MUG)]));

    it('counts what the line already holds against what is available', () =>
      given(holding()).when(add(MUG, 3, { available: 4 })).thenThrows(ConflictError, /not enough available: 4 left, 5 wanted/));

    it('counts what the line already holds against the most one line may hold: a conflict with the cart, not bad input', () =>
      given([added(MUG, 60)]).when(add(MUG, 41)).thenThrows(ConflictError, /a line holds at most 100: 60 in the cart, 41 more wanted/));

    it('fills the line up to the most it may hold', () =>
      given([added(MUG, 60)]).when(add(MUG, 40)).then([added(MUG, 40)]));

    it('gets a line for a second product', () => given(holding()).when(add(TEA, 1)).then([added(TEA, 1)]));

    it('refuses a product priced in another currency', () =>
      given(holding()).when(add(TEA, 1, { unitPrice: eur(450) })).thenThrows(ValidationError, /a cart holds one currency/));

    it('names the product as the cause of a currency clash', () => {
      const error = catchError(() => cartDecider.decide(add(TEA, 1, { unitPrice: eur(450) }), stateOf(holding())));
      expect((error as ValidationError).errors).to.deep.equal([{ field: 'productId', message: 'is priced in EUR' }]);
    });

    it('refuses even its own product once priced in another currency', () =>
      given(holding()).when(add(MUG, 1, { unitPrice: eur(1100) })).thenThrows(ValidationError, /a cart holds one currency/));

    it('does not change a quantity to what it already is', () => given(holding()).when(change(MUG, 2)).then([]));

    it('does not change a quantity to what it already is, even with nothing left available', () =>
      given(holding()).when(change(MUG, 2, 0)).then([]));

    it('changes a quantity up within what is available', () => given(holding()).when(change(MUG, 5, 5)).then([changed(MUG, 5)]));

    it('does not change a quantity up beyond what is available', () =>
      given(holding()).when(change(MUG, 5, 3)).thenThrows(ConflictError, /not enough available: 3 left, 5 wanted/));

    it('changes a quantity down whatever is available now', () => given(holding()).when(change(MUG, 1, 0)).then([changed(MUG, 1)]));

    for (const [label, quantity] of [
      ['zero (removing is another command)', 0],
      ['more than a line may hold', MAX_QUANTITY_PER_LINE + 1],
      ['a fractional quantity', 1.5],
    ] as const) {
      it(`refuses to change a quantity to ${label}`, () =>
        given(holding()).when(change(MUG, quantity)).thenThrows(ValidationError, /invalid quantity/));
    }

    it('cannot change the quantity of another product', () =>
      given(holding()).when(change(TEA, 2)).thenThrows(NotFoundError, /this product is not in the cart/));

    it('removes the line', () => given(holding()).when(remove(MUG)).then([removed(MUG)]));

    it('cannot remove another product', () =>
      given(holding()).when(remove(TEA)).thenThrows(NotFoundError, /this product is not in the cart/));

    it('is checked out into an order with its lines', () =>
      given([added(MUG, 2), added(TEA, 3)]).when(checkOut()).then([checkedOut([line(MUG, 2), line(TEA, 3)])]));

    it('is checked out when the saga ensures a checkout that did not happen', () =>
      given(holding()).when(checkOut({ ensure: true })).then([checkedOut([line(MUG, 2)])]));

    it('is checked out with the summed and refreshed line', () =>
      given([added(MUG, 2), added(MUG, 1, NEW_MUG)]).when(checkOut()).then([checkedOut([line(MUG, 3, NEW_MUG)])]));

    it('re-prices the lines the catalog prices otherwise now, and only those', () =>
      given([added(MUG, 2), added(TEA, 1)])
        .when(reprice([[MUG, usd(1300)], [TEA, usd(450)]]))
        .then([repriced(MUG, usd(1300), usd(1200))]));

    it('re-prices nothing when every price is the catalog\'s, or the catalog names another product', () =>
      given([added(MUG, 2)]).when(reprice([[MUG, usd(1200)], [TEA, usd(999)]])).then([]));

    it('is checked out at the price it was re-priced to', () =>
      given([added(MUG, 2), repriced(MUG, usd(1300), usd(1200))]).when(checkOut()).then([checkedOut([line(MUG, 2, { unitPrice: usd(1300) })])]));
  });

  describe(`when holding ${MAX_LINES} lines`, () => {
    const full = () => Array.from({ length: MAX_LINES }, (_, i) => added(numbered(i), 1));

    it('gets no line for another product', () =>
      given(full()).when(add(numbered(MAX_LINES), 1)).thenThrows(ConflictError, /at most 50 different products/));

    it('still adds to a line it holds', () => given(full()).when(add(numbered(7), 1)).then([added(numbered(7), 1)]));
  });

  describe('when checked out', () => {
    const checkedOutCart = () => [added(MUG, 2), checkedOut([line(MUG, 2)])];

    it('is empty and remembers the order', () =>
      expect(given(checkedOutCart()).state()).to.deep.equal({ lines: [], checkedOutInto: [ORDER], checkouts: 1 }));

    it('decides nothing when checked out into the same order again', () => given(checkedOutCart()).when(checkOut()).then([]));

    it('decides nothing when the saga ensures the same checkout', () =>
      given(checkedOutCart()).when(checkOut({ ensure: true })).then([]));

    it('does not check new items out into the order it was already checked out into', () =>
      given([...checkedOutCart(), added(TEA, 1)]).when(checkOut()).then([]));

    it('cannot be checked out into another order while empty', () =>
      given(checkedOutCart()).when(checkOut({ orderId: OTHER_ORDER })).thenThrows(UnprocessableError, /the cart is empty/));

    it('starts a new cart with the next item', () => given(checkedOutCart()).when(add(TEA, 1)).then([added(TEA, 1)]));

    it('checks the new cart out into another order', () =>
      given([...checkedOutCart(), added(TEA, 1)]).when(checkOut({ orderId: OTHER_ORDER })).then([checkedOut([line(TEA, 1)], OTHER_ORDER)]));

    // A saga far behind (more than the 20 orders the cart remembers) completes the checkout of an
    // order the cart was checked out into long ago: the customer has added the same product since.
    describe('when the saga ensures the checkout of an order made 25 checkouts ago', () => {
      const history = () => [
        added(MUG, 2),
        checkedOut([line(MUG, 2)]),
        ...Array.from({ length: 24 }, (_, i) => [added(TEA, 1), checkedOut([line(TEA, 1)], `order-${i}`)]).flat(),
        added(MUG, 1),
      ];

      it('takes out nothing the customer added since, told the cart had been checked out since the order was made', () =>
        given(history()).when(checkOut({ ensure: true, lines: [line(MUG, 2)], checkoutsBefore: 0 })).then([]));

      it('takes the order\'s lines out when the cart was not checked out since (a checkout cut short by a crash)', () =>
        given([added(MUG, 2), added(TEA, 1)]).when(checkOut({ ensure: true, lines: [line(MUG, 2)], checkoutsBefore: 0 })).then([checkedOut([line(MUG, 2)])]));

      it('counts every checkout, past the 20 it remembers by id', () => expect(given(history()).state().checkouts).to.equal(25));
    });

    it('remembers the last 20 orders it was checked out into', () => {
      const orders = Array.from({ length: 21 }, (_, i) => `order-${i}`);
      const history = orders.flatMap((orderId) => [added(MUG, 1), checkedOut([line(MUG, 1)], orderId)]);
      expect(given(history).state().checkedOutInto).to.deep.equal(orders.slice(1));
    });
  });

  describe('state', () => {
    it('keeps lines in the order they were added', () =>
      expect(given([added(MUG, 2), added(TEA, 3)]).state()).to.deep.equal({ lines: [line(MUG, 2), line(TEA, 3)], checkedOutInto: [], checkouts: 0 }));

    it('sums the quantity of a product added again, at its latest price and name', () =>
      expect(given([added(MUG, 2), added(TEA, 1), added(MUG, 3, NEW_MUG)]).state().lines).to.deep.equal([
        line(MUG, 5, NEW_MUG),
        line(TEA, 1),
      ]));

    it('takes a changed quantity', () =>
      expect(given([added(MUG, 2), changed(MUG, 7)]).state().lines).to.deep.equal([line(MUG, 7)]));

    it('drops a removed line and keeps the others', () =>
      expect(given([added(MUG, 2), added(TEA, 3), removed(MUG)]).state().lines).to.deep.equal([line(TEA, 3)]));

    it('ignores a change to a product it does not hold', () =>
      expect(given([added(MUG, 2), changed(TEA, 7), removed(TEA)]).state().lines).to.deep.equal([line(MUG, 2)]));
  });

  describe('helpers', () => {
    it('total the lines in their currency', () =>
      expect(cartTotal([line(MUG, 2), line(TEA, 3)], 'EUR')).to.deep.equal({ amount: 2 * 1200 + 3 * 450, currency: 'USD' }));

    it('total an empty cart as nothing in the given currency', () =>
      expect(cartTotal([], 'EUR')).to.deep.equal({ amount: 0, currency: 'EUR' }));

    it('name the stream cart-<customer id>', () => expect(cartStream(CUSTOMER)).to.equal(`cart-${CUSTOMER}`));
  });
});

// ------------------------------------------------------------------ fixtures

type Product = { productId: string; sku: string; name: string; unitPrice: Money };
type Refresh = Partial<Pick<Product, 'name' | 'unitPrice'>>;

const CUSTOMER = 'customer-7';
const ORDER = 'order-1';
const OTHER_ORDER = 'order-2';
const NOW = '2024-05-02T10:00:00.000Z';

const usd = (amount: number): Money => ({ amount, currency: 'USD' });
const eur = (amount: number): Money => ({ amount, currency: 'EUR' });

const MUG: Product = { productId: 'product-mug', sku: 'MUG-1', name: 'Mug', unitPrice: usd(1200) };
const TEA: Product = { productId: 'product-tea', sku: 'TEA-1', name: 'Tea', unitPrice: usd(450) };
const NEW_MUG: Refresh = { name: 'Big mug', unitPrice: usd(1350) };

const numbered = (i: number): Product => ({ productId: `product-${i}`, sku: `SKU-${i}`, name: `Thing ${i}`, unitPrice: usd(100) });

const stateOf = (events: Parameters<typeof given>[0]) => given(events).state();

const line = (product: Product, quantity: number, refresh: Refresh = {}): CartLine => ({ ...product, ...refresh, quantity });

const add = (product: Product, quantity: number, overrides: Refresh & { available?: number } = {}): AddCartItem => ({
  type: 'AddCartItem',
  customerId: CUSTOMER,
  ...product,
  quantity,
  available: 100,
  now: NOW,
  ...overrides,
});

const added = (product: Product, quantity: number, refresh: Refresh = {}): CartItemAdded => ({
  type: 'CartItemAdded',
  data: { customerId: CUSTOMER, ...product, ...refresh, quantity, addedAt: NOW },
});

const change = (product: Product, quantity: number, available = 100): ChangeCartItemQuantity => ({
  type: 'ChangeCartItemQuantity',
  customerId: CUSTOMER,
  productId: product.productId,
  quantity,
  available,
  now: NOW,
});

const changed = (product: Product, quantity: number): CartItemQuantityChanged => ({
  type: 'CartItemQuantityChanged',
  data: { customerId: CUSTOMER, productId: product.productId, quantity, changedAt: NOW },
});

const remove = (product: Product): RemoveCartItem => ({ type: 'RemoveCartItem', customerId: CUSTOMER, productId: product.productId, now: NOW });

const removed = (product: Product): CartItemRemoved => ({
  type: 'CartItemRemoved',
  data: { customerId: CUSTOMER, productId: product.productId, removedAt: NOW },
});

const reprice = (prices: Array<[Product, Money]>): RepriceCart => ({
  type: 'RepriceCart',
  customerId: CUSTOMER,
  prices: prices.map(([product, unitPrice]) => ({ productId: product.productId, unitPrice })),
  now: NOW,
});

const repriced = (product: Product, unitPrice: Money, previousPrice: Money): CartItemRepriced => ({
  type: 'CartItemRepriced',
  data: { customerId: CUSTOMER, productId: product.productId, unitPrice, previousPrice, repricedAt: NOW },
});

const checkOut = (overrides: Partial<CheckOutCart> = {}): CheckOutCart => ({
  type: 'CheckOutCart',
  customerId: CUSTOMER,
  orderId: ORDER,
  now: NOW,
  ...overrides,
});

const checkedOut = (lines: CartLine[], orderId = ORDER): CartCheckedOut => ({
  type: 'CartCheckedOut',
  data: { customerId: CUSTOMER, orderId, lines, checkedOutAt: NOW },
});

const catchError = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
};
