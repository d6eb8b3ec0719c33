import { MAX_QUANTITY_PER_LINE } from '../cart/cart.js';
import { ValidationError } from '../shared/errors.js';
import { MAX_INTERVAL_DAYS, MAX_SUBSCRIPTION_ITEMS, type SubscriptionItem } from './events.js';

/** What a subscription's items and interval must be, when it is created and when they change. */

export const checkItems = (items: SubscriptionItem[]) => {
  if (items.length === 0) throw new ValidationError('a subscription needs at least one item', [{ field: 'items', message: 'must not be empty' }]);
  if (items.length > MAX_SUBSCRIPTION_ITEMS) throw new ValidationError(`at most ${MAX_SUBSCRIPTION_ITEMS} items`, [{ field: 'items', message: `must hold at most ${MAX_SUBSCRIPTION_ITEMS} items` }]);
  if (new Set(items.map((item) => item.productId)).size !== items.length) {
    throw new ValidationError('one item per product', [{ field: 'items', message: 'must not repeat a product' }]);
  }
  if (items.some((item) => !Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > MAX_QUANTITY_PER_LINE)) {
    throw new ValidationError('invalid quantity', [{ field: 'items', message: `quantities must be integers from 1 to ${MAX_QUANTITY_PER_LINE}` }]);
  }
};

export const checkInterval = (intervalDays: number) => {
  if (!Number.isInteger(intervalDays) || intervalDays < 1 || intervalDays > MAX_INTERVAL_DAYS) {
    throw new ValidationError('invalid interval', [{ field: 'intervalDays', message: `must be an integer from 1 to ${MAX_INTERVAL_DAYS}` }]);
  }
};

