import { ConflictError, NotFoundError, ValidationError, type FieldError } from '../shared/errors.js';
import type { Decider, DomainEvent, Money } from '../shared/types.js';

// ------------------------------------------------------------------ events

export type ProductDetails = { name: string; description: string; brand: string; category: string };

export type ProductCreated = DomainEvent<
  'ProductCreated',
  ProductDetails & { productId: string; sku: string; price: Money; createdAt: string }
>;
/** Only the details that changed. */
export type ProductUpdated = DomainEvent<'ProductUpdated', { productId: string; changes: Partial<ProductDetails>; updatedAt: string }>;
export type ProductPriceChanged = DomainEvent<
  'ProductPriceChanged',
  { productId: string; price: Money; previousPrice: Money; changedAt: string }
>;

export type ProductEvent = ProductCreated | ProductUpdated | ProductPriceChanged;

// ------------------------------------------------------------------ state

export type Product =
  | { status: 'None' }
  | { status: 'Listed'; productId: string; sku: string; details: ProductDetails; price: Money };

export const initialState = (): Product => ({ status: 'None' });

export const evolve = (state: Product, event: ProductEvent): Product => {
  switch (event.type) {
    case 'ProductCreated': {
      const { productId, sku, name, description, brand, category, price } = event.data;
      return { status: 'Listed', productId, sku, details: { name, description, brand, category }, price };
    }
    case 'ProductUpdated':
      return state.status === 'Listed' ? { ...state, details: { ...state.details, ...event.data.changes } } : state;
    case 'ProductPriceChanged':
      return state.status === 'Listed' ? { ...state, price: event.data.price } : state;
  }
};

// ------------------------------------------------------------------ commands

export type CreateProduct = ProductDetails & { type: 'CreateProduct'; productId: string; sku: string; price: Money; now: string };
export type UpdateProduct = { type: 'UpdateProduct'; changes: Partial<ProductDetails>; price?: Money; now: string };

export type ProductCommand = CreateProduct | UpdateProduct;

export const decide = (command: ProductCommand, state: Product): ProductEvent[] => {
  switch (command.type) {
    case 'CreateProduct':
      return create(command, state);
    case 'UpdateProduct':
      return update(command, state);
    default: {
      const _exhaustive: never = command;
      throw _exhaustive;
    }
  }
};

const create = (command: CreateProduct, state: Product): ProductEvent[] => {
  if (state.status !== 'None') throw new ConflictError('the product already exists');
  const { productId, sku, price, now } = command;
  checkSku(sku);
  const details = trimmed(command);
  checkDetails(details);
  checkPrice(price);
  return [{ type: 'ProductCreated', data: { productId, sku, ...(details as ProductDetails), price, createdAt: now } }];
};

const update = (command: UpdateProduct, state: Product): ProductEvent[] => {
  if (state.status !== 'Listed') throw new NotFoundError('product not found');
  const requested = trimmed(command.changes);
  checkDetails(requested);
  const changes = Object.fromEntries(
    Object.entries(requested).filter(([key, value]) => state.details[key as keyof ProductDetails] !== value),
  ) as Partial<ProductDetails>;
  const events: ProductEvent[] = [];
  const { productId } = state;
  if (Object.keys(changes).length > 0) events.push({ type: 'ProductUpdated', data: { productId, changes, updatedAt: command.now } });
  const price = command.price;
  if (price && (price.amount !== state.price.amount || price.currency !== state.price.currency)) {
    checkPrice(price);
    if (price.currency !== state.price.currency) {
      throw new ValidationError('a product keeps its currency', [{ field: 'price.currency', message: `must be ${state.price.currency}` }]);
    }
    events.push({ type: 'ProductPriceChanged', data: { productId, price, previousPrice: state.price, changedAt: command.now } });
  }
  return events;
};

const DETAIL_FIELDS = ['name', 'description', 'brand', 'category'] as const;

const trimmed = (details: Partial<ProductDetails>): Partial<ProductDetails> =>
  Object.fromEntries(
    DETAIL_FIELDS.filter((field) => details[field] !== undefined).map((field) => [field, details[field]!.trim()]),
  );

const checkDetails = (details: Partial<ProductDetails>) => {
  const errors: FieldError[] = (['name', 'brand', 'category'] as const)
    .filter((field) => details[field] !== undefined && details[field]!.length === 0)
    .map((field) => ({ field, message: 'must not be blank' }));
  if (errors.length > 0) throw new ValidationError('invalid product details', errors);
};

/** A SKU names its `inventory-<sku>` stream and appears in URLs: letters, digits and a few separators. */
export const SKU_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const checkSku = (sku: string) => {
  if (sku.trim().length === 0) throw new ValidationError('a SKU is required', [{ field: 'sku', message: 'must not be blank' }]);
  if (!SKU_PATTERN.test(sku)) {
    throw new ValidationError('invalid SKU', [{ field: 'sku', message: 'must be 1-64 letters, digits, ".", "_" or "-"' }]);
  }
};

const checkPrice = (price: Money) => {
  if (!Number.isSafeInteger(price.amount) || price.amount < 0) {
    throw new ValidationError('invalid price', [{ field: 'price.amount', message: 'must be a non-negative integer of minor units' }]);
  }
  if (!/^[A-Z]{3}$/.test(price.currency)) {
    throw new ValidationError('invalid price', [{ field: 'price.currency', message: 'must be an ISO 4217 code' }]);
  }
};

export const productDecider: Decider<Product, ProductCommand, ProductEvent> = { initialState, evolve, decide, snapshotVersion: 1 };

export const productStream = (productId: string) => `product-${productId}`;
