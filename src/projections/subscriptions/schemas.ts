import { address, arr, int, money, nullable, obj, oneOf, paged, time, uuid } from '../json-schema.js';
import { ORDER_STATUS } from '../orders/schemas.js';

export const SUBSCRIPTION_STATUS = oneOf('Active', 'Paused', 'PastDue', 'Cancelled');
const FAILURE = oneOf('payment-declined', 'payment-timeout', 'out-of-stock', 'customer-erased', 'products-unavailable', 'payment-method-removed');
const item = obj({ productId: uuid(), quantity: int({ minimum: 1 }) });
const renewalFields = {
  renewal: int({ minimum: 1 }),
  attempt: int({ minimum: 1 }),
  orderId: nullable(uuid()),
  at: time(),
  failureReason: nullable(FAILURE),
  retryAt: nullable(time()),
};
const renewal = obj(renewalFields);

const fields = {
  subscriptionId: uuid(),
  customerId: uuid(),
  status: SUBSCRIPTION_STATUS,
  items: arr(item),
  intervalDays: int({ minimum: 1 }),
  shippingAddress: address(),
  paymentMethodId: uuid(),
  nextRenewalAt: nullable(time()),
};

/** What a write on a subscription answers (create, change, pause, resume, skip, cancel). */
export const subscriptionSummarySchema = obj(fields);

/** A subscription in a list: every try of its renewals, without their orders' status. */
export const subscriptionListItemSchema = obj({ ...fields, renewals: arr(renewal), createdAt: time(), updatedAt: time() });
export const subscriptionPageSchema = paged(subscriptionListItemSchema);

/** One subscription: each try of each renewal with its order as it stands now. */
export const subscriptionSchema = obj({
  ...fields,
  renewals: arr(obj({ ...renewalFields, order: nullable(obj({ orderId: uuid(), status: ORDER_STATUS, total: nullable(money()) })) })),
  createdAt: time(),
  updatedAt: time(),
});
