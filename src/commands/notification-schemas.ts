import { nullable, obj, oneOf, paged, str, time, uuid } from '../projections/json-schema.js';

/** What listNotifications answers: the emails sent (or perhaps sent) to a customer, newest first. */
export const notificationPageSchema = paged(
  obj({ type: str(), orderId: uuid(), subject: str(), sentAt: nullable(time()), status: oneOf('sent', 'uncertain') }),
);
