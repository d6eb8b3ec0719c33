import { nullable, obj, oneOf, paged, str, time, uuid } from '../projections/json-schema.js';

/**
 * What listNotifications answers: the emails sent (or perhaps sent) to a customer, newest first.
 * An order's name it (`orderId`); a stock alert's and a back-in-stock email's name the product
 * (`productId`, `sku`) and no order (`orderId` null).
 */
export const notificationPageSchema = paged(
  obj(
    { type: str(), orderId: nullable(uuid()), productId: uuid(), sku: str(), subscriptionId: uuid(), subject: str(), sentAt: nullable(time()), status: oneOf('sent', 'uncertain') },
    ['productId', 'sku', 'subscriptionId'],
  ),
);
