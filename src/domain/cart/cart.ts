import { ConflictError, NotFoundError, UnprocessableError, ValidationError } from '../shared/errors.js';
import type { Decider, DomainEvent, Money } from '../shared/types.js';

/**
 * One open cart per customer (`cart-<customerId>`): checking out empties it and the
 * next item starts a new one on the same stream. Prices are taken from the catalog
 * when an item is added, and again at checkout: a line whose product's price changed since
 * is re-priced (`CartItemRepriced`) and that checkout refused, so that an order is never
 * placed at a price the cart did not show. Availability and prices are outside data the
 * handler reads first.
 */

// ------------------------------------------------------------------ events

export type CartLine = { productId: string; sku: string; name: string; quantity: number; unitPrice: Money };

export type CartItemAdded = DomainEvent<
  'CartItemAdded',
  { customerId: string; productId: string; sku: string; name: string; quantity: number; unitPrice: Money; addedAt: string }
>;
export type CartItemQuantityChanged = DomainEvent<
  'CartItemQuantityChanged',
  { customerId: string; productId: string; quantity: number; changedAt: string }
>;
export type CartItemRemoved = DomainEvent<'CartItemRemoved', { customerId: string; productId: string; removedAt: string }>;
export type CartItemRepriced = DomainEvent<
  'CartItemRepriced',
  { customerId: string; productId: string; unitPrice: Money; previousPrice: Money; repricedAt: string }
>;
export type CartCheckedOut = DomainEvent<
  'CartCheckedOut',
  { customerId: string; orderId: string; lines: CartLine[]; checkedOutAt: string }
>;

export type CartEvent = CartItemAdded | CartItemQuantityChanged | CartItemRemoved | CartItemRepriced | CartCheckedOut;

// ------------------------------------------------------------------ state

export type Cart = {
  lines: CartLine[];
  /** Orders this cart was checked out into, most recent last (a few are enough to recognise a repeat). */
  checkedOutInto: string[];
  /** How many times it was checked out, ever: what an order remembers of the cart it was made from. */
  checkouts: number;
};

export const MAX_LINES = 50;
export const MAX_QUANTITY_PER_LINE = 100;

export const initialState = (): Cart => ({ lines: [], checkedOutInto: [], checkouts: 0 });

const setLine = (cart: Cart, productId: string, change: (line: CartLine) => CartLine | null): Cart => ({
  ...cart,
  lines: cart.lines.flatMap((line) => (line.productId === productId ? (change(line) ?? []) : [line])),
});

export const evolve = (cart: Cart, event: CartEvent): Cart => {
  switch (event.type) {
    case 'CartItemAdded': {
      const { productId, sku, name, quantity, unitPrice } = event.data;
      const existing = cart.lines.find((line) => line.productId === productId);
      if (!existing) return { ...cart, lines: [...cart.lines, { productId, sku, name, quantity, unitPrice }] };
      return setLine(cart, productId, (line) => ({ ...line, name, unitPrice, quantity: line.quantity + quantity }));
    }
    case 'CartItemQuantityChanged':
      return setLine(cart, event.data.productId, (line) => ({ ...line, quantity: event.data.quantity }));
    case 'CartItemRemoved':
      return setLine(cart, event.data.productId, () => null);
    case 'CartItemRepriced':
      return setLine(cart, event.data.productId, (line) => ({ ...line, unitPrice: event.data.unitPrice }));
    case 'CartCheckedOut':
      return {
        lines: withoutOrdered(cart.lines, event.data.lines),
        checkedOutInto: [...cart.checkedOutInto, event.data.orderId].slice(-20),
        checkouts: cart.checkouts + 1,
      };
  }
};

/** What stays in a cart once `ordered` lines went into an order (all of it, at a normal checkout). */
export const withoutOrdered = (lines: readonly CartLine[], ordered: readonly CartLine[]): CartLine[] =>
  lines.flatMap((line) => {
    const quantity = line.quantity - (ordered.find((o) => o.productId === line.productId)?.quantity ?? 0);
    return quantity > 0 ? [{ ...line, quantity }] : [];
  });

export const cartTotal = (lines: readonly CartLine[], currency: string): Money => ({
  amount: lines.reduce((sum, line) => sum + line.unitPrice.amount * line.quantity, 0),
  currency: lines[0]?.unitPrice.currency ?? currency,
});

// ------------------------------------------------------------------ commands

/** `available` is what the catalog shows as sellable now (outside data). */
export type AddCartItem = {
  type: 'AddCartItem';
  customerId: string;
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPrice: Money;
  available: number;
  now: string;
};
export type ChangeCartItemQuantity = {
  type: 'ChangeCartItemQuantity';
  customerId: string;
  productId: string;
  quantity: number;
  available: number;
  now: string;
};
export type RemoveCartItem = { type: 'RemoveCartItem'; customerId: string; productId: string; now: string };
/** The catalog's prices now (outside data), for some of the cart's products: every line priced otherwise takes them. */
export type RepriceCart = { type: 'RepriceCart'; customerId: string; prices: ReadonlyArray<{ productId: string; unitPrice: Money }>; now: string };
/**
 * `ensure` (from the saga) completes a checkout interrupted by a crash and never fails; it
 * takes out only the order's `lines`, leaving whatever the customer added since.
 * `checkoutsBefore`: the cart's `checkouts` when the order was made from it. A checkout of
 * the cart since then (into this order, or into a later one, which took what was left) means
 * there is nothing to complete, however many orders ago: the last orders the cart remembers
 * by id are 20, and a saga that far behind took out lines the customer had added since.
 */
export type CheckOutCart = {
  type: 'CheckOutCart';
  customerId: string;
  orderId: string;
  ensure?: boolean;
  lines?: CartLine[];
  checkoutsBefore?: number;
  now: string;
};

export type CartCommand = AddCartItem | ChangeCartItemQuantity | RemoveCartItem | RepriceCart | CheckOutCart;

export const decide = (command: CartCommand, cart: Cart): CartEvent[] => {
  switch (command.type) {
    case 'AddCartItem':
      return add(command, cart);
    case 'ChangeCartItemQuantity':
      return changeQuantity(command, cart);
    case 'RemoveCartItem': {
      const { customerId, productId, now } = command;
      lineOf(cart, productId);
      return [{ type: 'CartItemRemoved', data: { customerId, productId, removedAt: now } }];
    }
    case 'RepriceCart':
      return reprice(command, cart);
    case 'CheckOutCart':
      return checkOut(command, cart);
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

const add = (command: AddCartItem, cart: Cart): CartEvent[] => {
  const { customerId, productId, sku, name, quantity, unitPrice, available, now } = command;
  checkQuantity(quantity);
  const existing = cart.lines.find((line) => line.productId === productId);
  // Both limits are the cart's state against the request (a line's units, its number of lines): 409 alike.
  if (!existing && cart.lines.length >= MAX_LINES) throw new ConflictError(`a cart holds at most ${MAX_LINES} different products`);
  const other = cart.lines.find((line) => line.unitPrice.currency !== unitPrice.currency);
  if (other) throw new ValidationError('a cart holds one currency', [{ field: 'productId', message: `is priced in ${unitPrice.currency}` }]);
  const wanted = (existing?.quantity ?? 0) + quantity;
  // The request is well-formed; what the line holds already is what refuses it: a conflict with the state, not bad input.
  if (wanted > MAX_QUANTITY_PER_LINE) throw new ConflictError(`a line holds at most ${MAX_QUANTITY_PER_LINE}: ${existing?.quantity ?? 0} in the cart, ${quantity} more wanted`);
  checkAvailable(wanted, available);
  return [{ type: 'CartItemAdded', data: { customerId, productId, sku, name, quantity, unitPrice, addedAt: now } }];
};

const changeQuantity = (command: ChangeCartItemQuantity, cart: Cart): CartEvent[] => {
  const { customerId, productId, quantity, available, now } = command;
  const line = lineOf(cart, productId);
  checkQuantity(quantity);
  if (line.quantity === quantity) return [];
  if (quantity > line.quantity) checkAvailable(quantity, available);
  return [{ type: 'CartItemQuantityChanged', data: { customerId, productId, quantity, changedAt: now } }];
};

const samePrice = (a: Money, b: Money) => a.amount === b.amount && a.currency === b.currency;

/** The lines whose price is not the catalog's any more, with the price they would take. */
export const stalePrices = (lines: readonly CartLine[], prices: RepriceCart['prices']) =>
  lines.flatMap((line) => {
    const now = prices.find((price) => price.productId === line.productId)?.unitPrice;
    return now && !samePrice(now, line.unitPrice) ? [{ line, unitPrice: now }] : [];
  });

const reprice = (command: RepriceCart, cart: Cart): CartEvent[] => {
  const { customerId, now } = command;
  return stalePrices(cart.lines, command.prices).map(({ line, unitPrice }) => ({
    type: 'CartItemRepriced',
    data: { customerId, productId: line.productId, unitPrice, previousPrice: line.unitPrice, repricedAt: now },
  }));
};

const checkOut = (command: CheckOutCart, cart: Cart): CartEvent[] => {
  if (cart.checkedOutInto.includes(command.orderId)) return [];
  if (command.checkoutsBefore !== undefined && cart.checkouts > command.checkoutsBefore) return [];
  const ordered = command.lines ?? cart.lines;
  const inCart = ordered.filter((line) => cart.lines.some((l) => l.productId === line.productId));
  if (inCart.length === 0) {
    if (command.ensure) return [];
    throw new UnprocessableError('the cart is empty');
  }
  const { customerId, orderId, now } = command;
  return [{ type: 'CartCheckedOut', data: { customerId, orderId, lines: inCart, checkedOutAt: now } }];
};

const lineOf = (cart: Cart, productId: string): CartLine => {
  const line = cart.lines.find((l) => l.productId === productId);
  if (!line) throw new NotFoundError('this product is not in the cart');
  return line;
};

const checkQuantity = (quantity: number) => {
  if (!Number.isSafeInteger(quantity) || quantity < 1 || quantity > MAX_QUANTITY_PER_LINE) {
    throw new ValidationError('invalid quantity', [{ field: 'quantity', message: `must be an integer from 1 to ${MAX_QUANTITY_PER_LINE}` }]);
  }
};

/** A line the checkout found priced otherwise by the catalog now. */
export type PriceChange = { productId: string; sku: string; name: string; previousPrice: Money; unitPrice: Money };

/**
 * A checkout refused because it re-priced the cart (409): `changes` says how, `cartRevision`
 * is the cart's revision after, `position` the log position of the re-price (if the store told).
 */
export class PricesChangedError extends ConflictError {
  constructor(
    readonly changes: PriceChange[],
    readonly cartRevision: number,
    readonly position?: number,
  ) {
    super(`${changes.length === 1 ? 'a price' : 'prices'} in the cart changed since ${changes.length === 1 ? 'its line was' : 'their lines were'} added: the cart now shows the catalog's prices; check out again to order at them`);
  }
}

/** A line of a checkout and what the log holds available of its SKU, when that is less than the line's quantity. */
export type Shortage = { productId: string; sku: string; name: string; quantity: number; available: number };

/** A checkout of lines the shop has not enough of (409 out-of-stock): nothing is ordered or charged, the cart stays as it is. */
export class OutOfStockError extends ConflictError {
  constructor(readonly shortages: Shortage[]) {
    super(`not enough in stock: ${shortages.map((s) => `${s.name} (${s.sku}) ${Math.max(0, s.available)} available, ${s.quantity} in the cart`).join('; ')}; change the cart and check out again`);
  }
}

/** More than the `available` the command was given: refused (409). */
export class NotEnoughAvailableError extends ConflictError {}

const checkAvailable = (wanted: number, available: number) => {
  if (wanted > available) throw new NotEnoughAvailableError(`not enough available: ${Math.max(0, available)} left, ${wanted} wanted`);
};

// Version 2: the state counts its checkouts (a snapshot of version 1 is folded again from the stream).
export const cartDecider: Decider<Cart, CartCommand, CartEvent> = { initialState, evolve, decide, snapshotVersion: 2 };

export const cartStream = (customerId: string) => `cart-${customerId}`;
