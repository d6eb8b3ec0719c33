import { cartsProjection } from './carts/carts.js';
import { customerProfilesProjection } from './customer-profiles/customer-profiles.js';
import { ordersProjection } from './orders/orders.js';
import { paymentMethodsProjection } from './payment-methods/payment-methods.js';
import { paymentsProjection } from './payments/payments.js';
import type { Projection } from './projection.js';
import { productsProjection } from './products/products.js';
import { purchasesProjection } from './purchases/purchases.js';
import { reviewsProjection } from './reviews/reviews.js';
import { searchProjection } from './search/search.js';
import { shipmentsProjection } from './shipments/shipments.js';
import { stockLevelsProjection } from './stock-levels/stock-levels.js';
import { subscriptionsProjection } from './subscriptions/subscriptions.js';

const untyped = <P>(projection: P) => projection as unknown as Projection;

/** Every read model the query API serves. */
export const ALL_PROJECTIONS: readonly Projection[] = [
  untyped(productsProjection),
  untyped(stockLevelsProjection),
  untyped(customerProfilesProjection),
  untyped(cartsProjection),
  untyped(ordersProjection),
  untyped(paymentsProjection),
  untyped(shipmentsProjection),
  untyped(searchProjection),
  untyped(reviewsProjection),
  untyped(purchasesProjection),
  untyped(paymentMethodsProjection),
  untyped(subscriptionsProjection),
];
