import { cartStream } from '../domain/cart/cart.js';
import { customerStream } from '../domain/customer/customer.js';
import { walletStream } from '../domain/customer/wallet.js';
import { orderStream } from '../domain/ordering/order.js';
import { paymentStream } from '../domain/payment/payment.js';
import { reviewStream } from '../domain/reviews/review.js';
import { ERASED } from '../domain/shared/erased.js';
import { shipmentStream } from '../domain/shipping/shipment.js';
import { subscriptionStream } from '../domain/subscriptions/subscription.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { SNAPSHOTS } from '../infrastructure/snapshots/read-model-snapshots.js';
import { DISCARDED_JOBS, JOBS, PARKED_JOBS } from '../processes/job-documents.js';
import { NOTIFICATIONS } from './notifications.js';

/**
 * What an erasure deletes or scrubs outside the read models' own folds (src/commands/erasure-steps.ts,
 * step 3): copies of the customer's data kept beside the log (snapshots, the outbox, queued and
 * parked messages, stored answers, the order saga's documents, the admins' notices quoting a carrier).
 */

/** Jobs whose payload is a message to the customer: pointless for an erased one, and holding their data. */
const MESSAGES_TO_THEM = ['send-notification'];

/** Where the stored idempotent answers are (src/api/idempotency.ts): each names the customer whose request it answered. */
const IDEMPOTENCY_KEYS = 'idempotency_keys';

export const deleteCopies = async (readModels: ReadModelStore, customerId: string): Promise<void> => {
  await deleteSnapshots(readModels, await streamsOf(readModels, customerId, 'profile'));
  await readModels.collection(NOTIFICATIONS).deleteMany({ customerId });
  for (const collection of [JOBS, PARKED_JOBS, DISCARDED_JOBS]) {
    await readModels.collection(collection).deleteMany({ kind: { $in: MESSAGES_TO_THEM }, 'payload.customerId': customerId });
  }
  // Theirs, and the answer to their registration (anonymous): a retry of it with the same key registers a new account.
  await readModels.collection(IDEMPOTENCY_KEYS).deleteMany({ customerId });
  const orderIds = (await readModels.collection('orders').find({ customerId }, { projection: { _id: 1 } })).map((order) => order._id);
  await deleteAnswersAboutThem(readModels, customerId, orderIds);
  await scrubAdminNotices(readModels, orderIds);
  // The order saga forgets an address once the order has shipped; an older version kept it:
  // their orders have all shipped (erasure waits for that), so none of its sagas needs it. The
  // version moves, so a saga write racing this one fails and reloads instead of putting it back.
  await readModels
    .collection(ORDER_SAGAS)
    .updateMany({ 'state.customerId': customerId, 'state.shippingAddress': { $ne: null } }, { $set: { 'state.shippingAddress': null }, $inc: { _version: 1 } });
};

/**
 * The admins' copies of what the carrier said about the customer's shipments: a notice quotes
 * the carrier's reason, which may quote the address (invoice data, kept in the log alone). The
 * admins keep the notice (what happened to which order), its text reads as the placeholder;
 * the same for such notices still to be sent.
 */
const scrubAdminNotices = async (readModels: ReadModelStore, orderIds: string[]): Promise<void> => {
  if (orderIds.length === 0) return;
  const orderId = { $in: orderIds };
  await readModels
    .collection(NOTIFICATIONS)
    .updateMany({ orderId, type: { $in: CARRIER_REPORTS }, text: { $ne: ERASED } }, { $set: { text: ERASED } });
  for (const collection of [JOBS, PARKED_JOBS, DISCARDED_JOBS]) {
    await readModels
      .collection(collection)
      .updateMany({ kind: 'notify-admins', 'payload.orderId': orderId, 'payload.type': { $in: CARRIER_REPORTS }, 'payload.text': { $ne: ERASED } }, { $set: { 'payload.text': ERASED } });
  }
};

/**
 * Stored answers to others' requests about the customer's orders and subscriptions: an admin's
 * cancellation or amendment answers with the order's shipping address, an admin's change of a
 * subscription with its address. They name the admin who asked (the signed-in caller), so
 * deleting the customer's own missed them, and a repeat of the request with the same key
 * answered the erased customer's address. A repeat after this is recognised by the command
 * handler (derived event ids) and appends nothing, as after an answer's expiry.
 */
export const deleteAnswersAboutThem = async (readModels: ReadModelStore, customerId: string, orderIds: string[]): Promise<void> => {
  const subscriptionIds = (await readModels.collection('subscriptions').find({ customerId }, { projection: { _id: 1 } })).map((subscription) => subscription._id);
  await readModels
    .collection(IDEMPOTENCY_KEYS)
    .deleteMany({ $or: [{ 'body.customerId': customerId }, { 'body.orderId': { $in: orderIds } }, { 'body.subscriptionId': { $in: subscriptionIds } }] });
};

/** The notices that quote a carrier's free-text reason (src/processes/notifications.ts). */
const CARRIER_REPORTS = ['ShipmentBookingRefused', 'ShipmentDeliveryFailed'];

/**
 * The streams whose folded states hold values the key of `purpose` sealed (the profile key:
 * the account, wallet, cart, subscriptions, reviews and the payment tokens on orders and
 * payments; the invoice key: orders and shipments). Their snapshots (read-models.db) and this
 * process's command handler's states of them hold those values in clear: the erasure deletes
 * the snapshots; every process's handler reads the streams again once the key store's count of
 * destructions has grown (CommandHandlerOptions.keyDestructions).
 */
export const streamsOf = async (readModels: ReadModelStore, customerId: string, purpose: 'profile' | 'invoice'): Promise<string[]> => {
  const orders = await readModels.collection('orders').find({ customerId });
  const streams = orders.flatMap((order) => {
    const shipmentId = (order.shipment as { shipmentId?: string } | null | undefined)?.shipmentId;
    const paymentId = (order.payment as { paymentId?: string } | null | undefined)?.paymentId;
    return [orderStream(order._id), ...(shipmentId ? [shipmentStream(shipmentId)] : []), ...(paymentId && purpose === 'profile' ? [paymentStream(paymentId)] : [])];
  });
  if (purpose === 'profile') {
    streams.push(customerStream(customerId), walletStream(customerId), cartStream(customerId));
    for (const { _id } of await readModels.collection('subscriptions').find({ customerId }, { projection: { _id: 1 } })) streams.push(subscriptionStream(_id));
    for (const { _id } of await readModels.collection('reviews').find({ customerId }, { projection: { _id: 1 } })) streams.push(reviewStream(_id));
  }
  return streams;
};

export const deleteSnapshots = async (readModels: ReadModelStore, streams: string[]): Promise<void> => {
  await readModels.collection(SNAPSHOTS).deleteMany({ _id: { $in: streams } });
};

/** The order saga's documents (src/processes/runner.ts names a manager's collection `saga_<name>`). */
const ORDER_SAGAS = 'saga_order_saga';
