import { ERASED } from '../domain/shared/erased.js';
import type { ReadModelStore } from '../infrastructure/read-models/read-model-store.js';
import { erasedLeaves } from '../projections/erased-fields.js';
import type { PaymentMethodsView } from '../projections/payment-methods/payment-methods.js';
import type { ReviewView } from '../projections/reviews/reviews.js';
import type { SubscriptionView } from '../projections/subscriptions/subscriptions.js';

/**
 * Writes of the customer under way as the erasure was accepted: their request was let in just
 * before `CustomerErased`, and they were appended just after it (a review, a card, a
 * subscription). The read models had scrubbed the customer on the erasure already, and folded
 * these in clear, the profile key still there: a black-box probe saw such a review served
 * with the author's name and words, until a rebuild read the log again. Once the key is
 * destroyed and every event appended before folded (the erasure job waits for both), the log
 * reads their personal fields as ERASED: this writes them so in the read models, as a rebuild
 * folds them. Anything appended later is folded as ERASED by the read models themselves.
 * Each write is made only over the revision it read (a read model's own write racing it wins,
 * and the job's second look finds what is left).
 */
export const scrubLateWrites = async (readModels: ReadModelStore, customerId: string): Promise<void> => {
  const reviews = readModels.collection<ReviewView>('reviews');
  for (const review of await reviews.find({ customerId, $or: [{ authorName: { $ne: ERASED } }, { text: { $ne: ERASED } }] })) {
    await reviews.updateOne(unchanged(review), { $set: { authorName: erasedLeaves(review.authorName), text: erasedLeaves(review.text) } });
  }
  const wallets = readModels.collection<PaymentMethodsView>('payment_methods');
  for (const wallet of await wallets.find({ customerId })) {
    const methods = wallet.methods.map((method) => ({ ...method, last4: erasedLeaves(method.last4), label: erasedLeaves(method.label) }));
    if (JSON.stringify(methods) === JSON.stringify(wallet.methods)) continue;
    await wallets.updateOne(unchanged(wallet), { $set: { methods } });
  }
  const subscriptions = readModels.collection<SubscriptionView>('subscriptions');
  for (const subscription of await subscriptions.find({ customerId })) {
    const shippingAddress = erasedLeaves(subscription.shippingAddress);
    if (JSON.stringify(shippingAddress) === JSON.stringify(subscription.shippingAddress)) continue;
    await subscriptions.updateOne(unchanged(subscription), { $set: { shippingAddress } });
  }
};

/** The document as read: its stream's revision (each of these read models keeps it; one folded by an early version may lack it). */
const unchanged = (doc: { _id: string; revision?: number }) => ({ _id: doc._id, revision: doc.revision ?? null });
