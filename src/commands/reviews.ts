import { customerDecider, customerStream } from '../domain/customer/customer.js';
import { NotFoundError } from '../domain/shared/errors.js';
import { derivedId } from '../domain/shared/ids.js';
import { reviewDecider, reviewStream } from '../domain/reviews/review.js';
import type { ReadModelCollection } from '../infrastructure/read-models/read-model-store.js';
import type { OrderView } from '../projections/orders/orders.js';
import type { ProductView } from '../projections/products/products.js';
import type { CommandContext, CommandHandler } from './command-handler.js';

/**
 * Submitting a review: the product must exist, and the customer must have received it in
 * a delivered order (found in the orders read model, which follows the log within
 * milliseconds of the delivery). The review's id derives from customer and product, so
 * a second review of the same product replaces the first.
 */

export type ReviewDeps = {
  commands: CommandHandler;
  products: ReadModelCollection<ProductView>;
  orders: ReadModelCollection<OrderView>;
  /**
   * Waits until the read models hold everything appended so far: asked before refusing,
   * so a review sent right after the delivery is not refused by a read model a moment behind.
   */
  catchUp?: () => Promise<void>;
};

export type NewReview = { productId: string; rating: number; text: string };

export const reviewIdOf = (customerId: string, productId: string) => derivedId(`${customerId}:${productId}`, 'review');

/** Shown next to the review: the first name the customer registered with. */
const authorNameOf = (name: string) => name.trim().split(/\s+/)[0] || 'Customer';

export const submitReview = async (deps: ReviewDeps, customerId: string, input: NewReview, context: CommandContext) => {
  const { productId } = input;
  const product = await deps.products.findOne({ _id: productId, listed: true }, { readonly: true });
  if (!product) throw new NotFoundError('product not found');
  const findDelivery = () =>
    deps.orders.findOne({ customerId, status: 'Delivered', 'lines.productId': productId }, { sort: { updatedAt: 1 }, projection: { orderId: 1 }, readonly: true });
  let delivered = await findDelivery();
  if (!delivered && deps.catchUp) {
    await deps.catchUp();
    delivered = await findDelivery();
  }
  const customer = (await deps.commands.load(customerDecider, customerStream(customerId))).state;
  const authorName = customer.status === 'Registered' ? authorNameOf(customer.name) : 'Customer';
  const reviewId = reviewIdOf(customerId, productId);
  const handled = await deps.commands.handle(
    reviewDecider,
    reviewStream(reviewId),
    { type: 'SubmitReview', reviewId, productId, customerId, authorName, rating: input.rating, text: input.text, deliveredIn: delivered ? String(delivered.orderId) : null, now: context.now },
    context,
  );
  const created = handled.appended.some((event) => event.type === 'ReviewSubmitted') || (handled.replayed && handled.revision === 0);
  return { reviewId, created, state: handled.state, revision: handled.revision, position: handled.position };
};
